import type { Language } from "./culture";

/**
 * The bot's own texts that `npm run setup-guide` prints into the CAIC dialog's Output and Capture
 * Input nodes, in the same register as the visitor messages of core/messages.ts (u, Sie, vous,
 * usted), so the backend's answers and the bot's questions are in one language. Part of the same
 * catalogue, in a module of its own so the functions' bundles do not carry it. `{opensAtText}` is a
 * dialog variable the guide writes in CAIC's placeholder form.
 */
export const BOT_TEXTS = {
  "ask.email": {
    en: "What is your e-mail address?",
    nl: "Wat is uw e-mailadres?",
    de: "Wie lautet Ihre E-Mail-Adresse?",
    fr: "Quelle est votre adresse e-mail ?",
    es: "¿Cuál es su dirección de correo electrónico?",
  },
  "ask.name": {
    en: "What is your name?",
    nl: "Wat is uw naam?",
    de: "Wie ist Ihr Name?",
    fr: "Quel est votre nom ?",
    es: "¿Cuál es su nombre?",
  },
  "ask.question": {
    en: "Nobody is online right now. What is your question? A colleague will answer by e-mail.",
    nl: "Er is nu niemand online. Wat is uw vraag? Een collega beantwoordt die per e-mail.",
    de: "Gerade ist niemand online. Was ist Ihre Frage? Wir antworten Ihnen per E-Mail.",
    fr: "Personne n'est en ligne pour le moment. Quelle est votre question ? Un conseiller vous répondra par e-mail.",
    es: "Ahora mismo no hay nadie en línea. ¿Cuál es su pregunta? Un agente le responderá por correo electrónico.",
  },
  "already-connecting": {
    en: "You are already being connected to a colleague.",
    nl: "U wordt al doorverbonden met een collega.",
    de: "Sie werden bereits mit unserem Team verbunden.",
    fr: "Vous êtes déjà en cours de mise en relation avec un conseiller.",
    es: "Ya le estamos poniendo en contacto con un agente.",
  },
  "cannot-connect": {
    en: "Sorry, I cannot connect you right now. Please try again later.",
    nl: "Het spijt me, ik kan u nu niet doorverbinden. Probeer het later opnieuw.",
    de: "Leider kann ich Sie gerade nicht verbinden. Bitte versuchen Sie es später erneut.",
    fr: "Désolé, je ne peux pas vous mettre en relation pour le moment. Veuillez réessayer plus tard.",
    es: "Lo siento, ahora no puedo ponerle en contacto. Inténtelo de nuevo más tarde.",
  },
  closed: {
    en: "We are closed now and open again on {opensAtText}.",
    nl: "We zijn nu gesloten en weer open op {opensAtText}.",
    de: "Wir haben gerade geschlossen und sind wieder erreichbar: {opensAtText}.",
    fr: "Nous sommes fermés pour le moment et rouvrons le {opensAtText}.",
    es: "Ahora estamos cerrados y volvemos a abrir el {opensAtText}.",
  },
  "no-agent": {
    en: "No agent is available right now. Please try again later.",
    nl: "Er is op dit moment geen medewerker beschikbaar. Probeer het later opnieuw.",
    de: "Im Moment ist niemand aus unserem Team erreichbar. Bitte versuchen Sie es später erneut.",
    fr: "Aucun conseiller n'est disponible pour le moment. Veuillez réessayer plus tard.",
    es: "Ahora mismo no hay ningún agente disponible. Inténtelo de nuevo más tarde.",
  },
  "give-up": {
    en: "Sorry, that did not work. Please try again later.",
    nl: "Dat is helaas niet gelukt. Probeer het later opnieuw.",
    de: "Das hat leider nicht geklappt. Bitte versuchen Sie es später erneut.",
    fr: "Désolé, cela n'a pas fonctionné. Veuillez réessayer plus tard.",
    es: "Lo siento, no ha funcionado. Inténtelo de nuevo más tarde.",
  },
  "cannot-check": {
    en: "Sorry, I cannot check that right now. Please try again later.",
    nl: "Ik kan dat nu helaas niet controleren. Probeer het later opnieuw.",
    de: "Das kann ich gerade leider nicht prüfen. Bitte versuchen Sie es später erneut.",
    fr: "Désolé, je ne peux pas vérifier cela pour le moment. Veuillez réessayer plus tard.",
    es: "Lo siento, ahora no puedo comprobarlo. Inténtelo de nuevo más tarde.",
  },
  "message-taken": {
    en: "Thank you. Nobody is online right now: a colleague will answer your question by e-mail.",
    nl: "Dank u. Er is nu niemand online: een collega beantwoordt uw vraag per e-mail.",
    de: "Vielen Dank. Gerade ist niemand online: Wir beantworten Ihre Frage per E-Mail.",
    fr: "Merci. Personne n'est en ligne pour le moment : un conseiller répondra à votre question par e-mail.",
    es: "Gracias. Ahora mismo no hay nadie en línea: un agente responderá a su pregunta por correo electrónico.",
  },
  connecting: {
    en: "One moment, I am connecting you to a colleague.",
    nl: "Een moment, ik verbind u door met een collega.",
    de: "Einen Moment, ich verbinde Sie mit unserem Team.",
    fr: "Un instant, je vous mets en relation avec un conseiller.",
    es: "Un momento, le pongo en contacto con un agente.",
  },
  "could-not-connect": {
    en: "Sorry, I could not connect you. Please try again in a moment.",
    nl: "Het doorverbinden is helaas niet gelukt. Probeer het zo opnieuw.",
    de: "Die Verbindung hat leider nicht geklappt. Bitte versuchen Sie es gleich noch einmal.",
    fr: "Désolé, la mise en relation a échoué. Veuillez réessayer dans un instant.",
    es: "Lo siento, no he podido ponerle en contacto. Inténtelo de nuevo en un momento.",
  },
} as const satisfies Record<string, Record<Language, string>>;

export type BotTextKey = keyof typeof BOT_TEXTS;

/** A bot text in one language, its `{placeholders}` filled with `params` (left as they are otherwise). */
export function botText(key: BotTextKey, language: Language, params: Record<string, string> = {}): string {
  return BOT_TEXTS[key][language].replace(/\{(\w+)\}/g, (placeholder, name: string) => params[name] ?? placeholder);
}

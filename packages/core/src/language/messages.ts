import type { Culture, Language } from "./culture";

/**
 * Every text a visitor may be shown, by stable key, in every language: the one place these texts
 * live. Formal address throughout (u, Sie, vous, usted); each says what to change; short enough for
 * a chat bubble. `{max}` and the like are filled in by `visitorText`.
 */
export const MESSAGES = {
  "email.empty": {
    en: "Please enter your e-mail address.",
    nl: "Vul uw e-mailadres in.",
    de: "Bitte geben Sie Ihre E-Mail-Adresse ein.",
    fr: "Veuillez saisir votre adresse e-mail.",
    es: "Por favor, escriba su dirección de correo electrónico.",
  },
  "email.too-long": {
    en: "That e-mail address is too long. Please check it and try again.",
    nl: "Dat e-mailadres is te lang. Controleer het en probeer het opnieuw.",
    de: "Diese E-Mail-Adresse ist zu lang. Bitte prüfen Sie sie und versuchen Sie es erneut.",
    fr: "Cette adresse e-mail est trop longue. Veuillez la vérifier et réessayer.",
    es: "Esa dirección de correo electrónico es demasiado larga. Revísela e inténtelo de nuevo.",
  },
  "email.several": {
    en: "Please enter just one e-mail address.",
    nl: "Vul slechts één e-mailadres in.",
    de: "Bitte geben Sie nur eine E-Mail-Adresse ein.",
    fr: "Veuillez saisir une seule adresse e-mail.",
    es: "Por favor, escriba una sola dirección de correo electrónico.",
  },
  "email.spaces": {
    en: "An e-mail address has no spaces. Please check it and try again.",
    nl: "Een e-mailadres bevat geen spaties. Controleer het en probeer het opnieuw.",
    de: "Eine E-Mail-Adresse enthält keine Leerzeichen. Bitte prüfen Sie sie und versuchen Sie es erneut.",
    fr: "Une adresse e-mail ne contient pas d'espaces. Veuillez la vérifier et réessayer.",
    es: "Una dirección de correo electrónico no lleva espacios. Revísela e inténtelo de nuevo.",
  },
  "email.no-at": {
    en: "An e-mail address has an @ in it, like name@example.com. Please check it and try again.",
    nl: "Een e-mailadres bevat een @, zoals naam@example.com. Controleer het en probeer het opnieuw.",
    de: "Eine E-Mail-Adresse enthält ein @, etwa name@example.com. Bitte prüfen Sie sie und versuchen Sie es erneut.",
    fr: "Une adresse e-mail contient un @, comme nom@example.com. Veuillez la vérifier et réessayer.",
    es: "Una dirección de correo electrónico lleva una @, como nombre@example.com. Revísela e inténtelo de nuevo.",
  },
  "email.domain": {
    en: "The part after the @ should be a domain such as example.com. Please check that part and try again.",
    nl: "Na de @ hoort een domeinnaam zoals example.com. Controleer dat deel en probeer het opnieuw.",
    de: "Nach dem @ muss eine Domain wie example.com stehen. Bitte prüfen Sie diesen Teil und versuchen Sie es erneut.",
    fr: "Après le @ doit figurer un nom de domaine comme example.com. Veuillez vérifier cette partie et réessayer.",
    es: "Después de la @ debe ir un dominio como example.com. Revise esa parte e inténtelo de nuevo.",
  },
  "email.mailto-without-address": {
    en: "Please enter just your e-mail address, like name@example.com.",
    nl: "Vul alleen uw e-mailadres in, zoals naam@example.com.",
    de: "Bitte geben Sie nur Ihre E-Mail-Adresse ein, etwa name@example.com.",
    fr: "Veuillez saisir uniquement votre adresse e-mail, comme nom@example.com.",
    es: "Por favor, escriba solo su dirección de correo electrónico, como nombre@example.com.",
  },
  "email.invalid": {
    en: "That doesn't look like an e-mail address. Please check it and try again.",
    nl: "Dat lijkt geen e-mailadres. Controleer het en probeer het opnieuw.",
    de: "Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie sie und versuchen Sie es erneut.",
    fr: "Cela ne ressemble pas à une adresse e-mail. Veuillez la vérifier et réessayer.",
    es: "Eso no parece una dirección de correo electrónico. Revísela e inténtelo de nuevo.",
  },
  "name.empty": {
    en: "Please enter your name.",
    nl: "Vul uw naam in.",
    de: "Bitte geben Sie Ihren Namen ein.",
    fr: "Veuillez indiquer votre nom.",
    es: "Por favor, escriba su nombre.",
  },
  "name.too-long": {
    en: "That name is too long. Please use at most {max} characters.",
    nl: "Die naam is te lang. Gebruik maximaal {max} tekens.",
    de: "Dieser Name ist zu lang. Bitte verwenden Sie höchstens {max} Zeichen.",
    fr: "Ce nom est trop long. Veuillez utiliser {max} caractères au maximum.",
    es: "Ese nombre es demasiado largo. Utilice como máximo {max} caracteres.",
  },
  "name.email-address": {
    en: "Please enter your name, not an e-mail address.",
    nl: "Vul uw naam in, geen e-mailadres.",
    de: "Bitte geben Sie Ihren Namen ein, keine E-Mail-Adresse.",
    fr: "Veuillez indiquer votre nom, pas une adresse e-mail.",
    es: "Por favor, escriba su nombre, no una dirección de correo electrónico.",
  },
  "name.web-address": {
    en: "Please enter your name, not a web address.",
    nl: "Vul uw naam in, geen webadres.",
    de: "Bitte geben Sie Ihren Namen ein, keine Webadresse.",
    fr: "Veuillez indiquer votre nom, pas une adresse web.",
    es: "Por favor, escriba su nombre, no una dirección web.",
  },
  "name.digits": {
    en: "Please enter your name without digits.",
    nl: "Vul uw naam in zonder cijfers.",
    de: "Bitte geben Sie Ihren Namen ohne Ziffern ein.",
    fr: "Veuillez indiquer votre nom sans chiffres.",
    es: "Por favor, escriba su nombre sin números.",
  },
  "name.invalid-characters": {
    en: "Please enter your name using letters only.",
    nl: "Vul uw naam in met alleen letters.",
    de: "Bitte geben Sie Ihren Namen nur mit Buchstaben ein.",
    fr: "Veuillez indiquer votre nom en lettres uniquement.",
    es: "Por favor, escriba su nombre solo con letras.",
  },
  "message.empty": {
    en: "Please type your question.",
    nl: "Typ uw vraag in.",
    de: "Bitte schreiben Sie Ihre Frage.",
    fr: "Veuillez écrire votre question.",
    es: "Por favor, escriba su pregunta.",
  },
  "message.too-long": {
    en: "Your question is {length} characters long. Please shorten it to at most {max}.",
    nl: "Uw vraag is {length} tekens lang. Kort deze in tot maximaal {max} tekens.",
    de: "Ihre Frage ist {length} Zeichen lang. Bitte kürzen Sie sie auf höchstens {max} Zeichen.",
    fr: "Votre question compte {length} caractères. Veuillez la raccourcir à {max} caractères au maximum.",
    es: "Su pregunta tiene {length} caracteres. Acórtela a {max} caracteres como máximo.",
  },
  "message.control-characters": {
    en: "Please write your question without special control characters.",
    nl: "Schrijf uw vraag zonder speciale stuurtekens.",
    de: "Bitte schreiben Sie Ihre Frage ohne Steuerzeichen.",
    fr: "Veuillez écrire votre question sans caractères de contrôle.",
    es: "Por favor, escriba su pregunta sin caracteres de control.",
  },
  "message.direction-characters": {
    en: "Your question contains hidden characters that change the writing direction. Please type it again.",
    nl: "Uw vraag bevat verborgen tekens die de schrijfrichting veranderen. Typ deze opnieuw.",
    de: "Ihre Frage enthält versteckte Zeichen, die die Schreibrichtung ändern. Bitte schreiben Sie sie erneut.",
    fr: "Votre question contient des caractères cachés qui changent le sens d'écriture. Veuillez la saisir à nouveau.",
    es: "Su pregunta contiene caracteres ocultos que cambian la dirección de escritura. Escríbala de nuevo.",
  },
  "answer.unreadable": {
    en: 'Sorry, that answer could not be read. Please type it again without quotation marks (") or backslashes (\\).',
    nl: 'Uw antwoord kon helaas niet worden gelezen. Typ het opnieuw zonder aanhalingstekens (") of backslashes (\\).',
    de: 'Ihre Antwort konnte leider nicht gelesen werden. Bitte geben Sie sie ohne Anführungszeichen (") und Backslashes (\\) erneut ein.',
    fr: "Votre réponse n'a pas pu être lue. Veuillez la saisir à nouveau sans guillemets (\") ni barres obliques inverses (\\).",
    es: 'No hemos podido leer su respuesta. Escríbala de nuevo sin comillas (") ni barras invertidas (\\).',
  },
} as const satisfies Record<string, Record<Language, string>>;

export type MessageKey = keyof typeof MESSAGES;

/** The `{name}` placeholders in a text, as a union of their names. */
type Placeholders<Text extends string> = Text extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** A text to show, before its language is known: its key and, where the text has placeholders, their values. */
export type VisitorMessage = {
  [K in MessageKey]: [Placeholders<(typeof MESSAGES)[K]["en"]>] extends [never]
    ? { key: K }
    : { key: K; params: Record<Placeholders<(typeof MESSAGES)[K]["en"]>, number | string> };
}[MessageKey];

/** Building an Intl.NumberFormat is costly; a process sees a few locales. */
const numberFormats = new Map<string, Intl.NumberFormat>();
const CACHED_NUMBER_FORMATS = 32;

function numberFormat(locale: string): Intl.NumberFormat {
  let format = numberFormats.get(locale);
  if (format === undefined) {
    if (numberFormats.size >= CACHED_NUMBER_FORMATS) numberFormats.clear();
    format = new Intl.NumberFormat(locale);
    numberFormats.set(locale, format);
  }
  return format;
}

/** The one function that turns a message (key and parameters) into text in the visitor's culture. */
export function visitorText(message: VisitorMessage, culture: Culture): string {
  const params: Record<string, number | string> = "params" in message ? message.params : {};
  return MESSAGES[message.key][culture.language].replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) return placeholder;
    return typeof value === "number" ? numberFormat(culture.locale).format(value) : value;
  });
}

// The local console: reads /__console/state every second and draws it; no framework, no build step.
// Every value from the server goes into the page as text (textContent), never as markup.

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const pretty = (value) => (typeof value === "string" ? value : JSON.stringify(value));

async function api(method, path, body) {
  const response = await fetch(`/__console${path}`, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
}

// --- The state: funnel, chats, what CM received, switches -------------------------------------

let state;

/**
 * Draws a part of the page anew and gives keyboard focus back to the element that had it: every
 * focusable element drawn carries a `data-key` that names the same thing from one draw to the next.
 */
function redraw(root, draw) {
  const active = document.activeElement;
  const key = root.contains(active) ? active?.dataset?.key : undefined;
  draw();
  if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

function drawSwitches() {
  const root = $("#switch-groups");
  if (!state.simulated) {
    root.replaceChildren(el("p", { text: "CM is not simulated in this run: every CM URL is configured." }));
    return;
  }
  redraw(root, () =>
    root.replaceChildren(
      ...Object.entries(state.positions).map(([name, positions]) =>
        el(
          "div",
          { class: "group", role: "group", "aria-labelledby": `switch-${name}` },
          el("span", { class: "name", id: `switch-${name}`, text: name === "businessHours" ? "business hours" : name }),
          ...positions.map((position) => {
            const button = el("button", {
              type: "button",
              "aria-pressed": String(state.switches[name] === position),
              "data-switch": name,
              "data-position": position,
              "data-key": `switch-${name}-${position}`,
              text: position,
            });
            button.addEventListener("click", async () => {
              await api("PUT", "/switches", { [name]: position });
              await refresh();
            });
            return button;
          }),
        ),
      ),
    ),
  );
}

function drawFunnel() {
  const { funnel, others } = state.metrics;
  const top = Math.max(1, ...funnel.map((step) => step.count));
  $("#funnel-steps").replaceChildren(
    ...funnel.map((step) =>
      el(
        "li",
        { "data-metric": step.name },
        el("span", { text: step.name }),
        el("span", { class: "count", text: String(step.count) }),
        el("span", { class: "bar", style: `width:${(100 * step.count) / top}%`, "aria-hidden": "true" }),
      ),
    ),
  );
  $("#metrics tbody").replaceChildren(
    ...others.map((metric) =>
      el(
        "tr",
        { "data-metric": metric.name },
        el("th", { scope: "row", text: metric.name }),
        el("td", { class: "count", text: String(metric.count) }),
        el("td", { text: metric.byValue.map((entry) => `${entry.value}: ${entry.count}`).join(", ") }),
      ),
    ),
  );
}

function drawChats() {
  $("#chat-count").textContent =
    state.chatCount > state.chats.length ? `The newest ${state.chats.length} of ${state.chatCount}.` : "";
  if (state.chats.length === 0) {
    $("#chat-list").replaceChildren(el("p", { text: "No chat yet: start one in the visitor panel." }));
    return;
  }
  $("#chat-list").replaceChildren(
    ...state.chats.map((chat) =>
      el(
        "article",
        { class: "chat", "data-chat": chat.chatId, id: `chat-${chat.chatId}` },
        el("h3", { text: chat.chatId }),
        el(
          "p",
          {},
          el("span", { class: `status ${chat.status}`, "data-status": chat.status, text: chat.status }),
          document.createTextNode(
            ` · e-mail ${chat.email ?? "–"} · name ${chat.name ?? "–"}${chat.message ? ` · message ${chat.message}` : ""}` +
              `${chat.failureReason ? ` · failure ${chat.failureReason}` : ""}${chat.mode ? ` · mode ${chat.mode}` : ""}`,
          ),
        ),
        el(
          "ol",
          { class: "timeline" },
          ...chat.history.map((entry) =>
            el("li", {
              text: `${entry.at.slice(11, 19)} ${entry.status}${entry.detail ? ` (${entry.detail})` : ""}`,
            }),
          ),
        ),
      ),
    ),
  );
}

function drawReceived() {
  const received = state.received;
  if (!received) return;
  // Status 0: the caller heard no answer (held past its timeout, or the connection dropped).
  redraw($("#mutations"), () =>
    $("#mutations").replaceChildren(
      ...received.mutationRequests
        .map((call, index) => ({ call, key: `mutation-${index}` }))
        .reverse()
        .map(({ call, key }) =>
          el(
            "li",
            { "data-mutation": call.chatId },
            el("a", { href: `#chat-${call.chatId}`, "data-key": key, text: `chat ${call.chatId.slice(0, 8)}…` }),
            document.createTextNode(
              ` ${call.kind} → ${call.status === 0 ? "no answer heard" : call.status}${call.applied ? " · applied by CM" : ""}` +
                `${call.problems.length ? ` · ${call.problems.join("; ")}` : ""}`,
            ),
            el("pre", { "data-key": `${key}-body`, text: pretty(call.body) }),
          ),
        ),
    ),
  );
  redraw($("#presence"), () =>
    $("#presence").replaceChildren(
      ...received.presence
        .slice(-10)
        .reverse()
        .map((call) =>
          el("li", {
            text: `${call.at.slice(11, 19)} channel ${call.channel} · referrer ${call.referrer ?? "–"} → ${call.status === 0 ? "no answer heard" : call.status}`,
          }),
        ),
    ),
  );
}

/**
 * One poll at a time: a refresh asked for while one is in flight runs once after it (so a click sees
 * the state after its change), shared by everyone who asks meanwhile.
 */
let inFlight;
let queued;
function refresh() {
  if (!inFlight) {
    inFlight = poll().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }
  queued ??= inFlight.then(() => {
    queued = undefined;
    return refresh();
  });
  return queued;
}

async function poll() {
  try {
    state = await api("GET", "/state");
  } catch {
    return;
  }
  drawFunnel();
  drawChats();
  drawReceived();
  // Redrawing the switches would steal keyboard focus from them: only when a position changed.
  const drawn = JSON.stringify(state.switches);
  if (drawn !== $("#switch-groups").dataset.drawn) {
    drawSwitches();
    $("#switch-groups").dataset.drawn = drawn;
  }
}

// --- The visitor panel: the setup guide's dialog, callout by callout ---------------------------

const visitor = { chatId: undefined, culture: "en-GB", field: undefined, offline: false };
const PROMPTS = {
  email: "The bot asks for your e-mail address.",
  name: "The bot asks for your name.",
  question: "Nobody is online: the bot asks for your question, to leave as a message.",
};
const FIELD_OUTPUT = { email: "IntakeEmailUrl", name: "IntakeNameUrl", question: "IntakeMessageUrl" };

function say(text, kind = "bot") {
  $("#dialog").append(el("li", { class: kind, text }));
}

async function callout(output, variables = {}) {
  const made = await api("POST", "/callout", {
    output,
    variables: { chatId: visitor.chatId, culture: visitor.culture, ...variables },
  });
  $("#dialog").append(
    el(
      "li",
      { "data-output": output },
      el("strong", { text: made.title }),
      el("pre", {
        text: `→ ${made.request.method} ${made.request.path}${made.request.body === null ? "" : `\n  ${pretty(made.request.body)}`}`,
      }),
      el("pre", { text: `← ${made.status} ${pretty(made.answer)}` }),
    ),
  );
  if (typeof made.answer === "object" && made.answer?.message) say(`The bot says: “${made.answer.message}”`);
  return made.answer;
}

function ask(field) {
  visitor.field = field;
  say(PROMPTS[field]);
  $("#answer-label").textContent = { email: "Your e-mail address", name: "Your name", question: "Your question" }[
    field
  ];
  $("#answer").disabled = false;
  $("#send").disabled = false;
  $("#answer").value = "";
  $("#answer").focus();
}

function stopAsking() {
  visitor.field = undefined;
  $("#answer").disabled = true;
  $("#send").disabled = true;
}

async function handOver() {
  const answer = await callout("HandoverUrl");
  if (answer.handover === "requested") {
    say(answer.mode === "message" ? "Your message was passed on to our team." : "You are being connected to an agent.");
    $("#confirm").disabled = false;
  } else {
    say(`The handover did not happen (${answer.reason ?? answer.handover ?? "no answer"}).`);
  }
}

async function startChat() {
  $("#dialog").replaceChildren();
  stopAsking();
  $("#confirm").disabled = true;
  visitor.chatId = crypto.randomUUID();
  visitor.culture = $("#culture").value;
  say("You ask the bot for a human agent.", "visitor");
  const started = await callout("CaicEventUrl");
  if (started.status !== "started") return say(`The chat is already ${started.status}.`);
  const availability = await callout("AvailabilityUrl");
  visitor.offline = availability.agentStatus !== "online";
  if (availability.opensAtText) say(`The bot says: “${availability.opensAtText}”`);
  if (visitor.offline && state?.offlineHandover !== "message") {
    return say("Nobody is online: the bot says so and the dialog ends (OFFLINE_HANDOVER=off).");
  }
  ask(started.emailKnown ? "name" : "email");
}

async function sendAnswer(event) {
  event.preventDefault();
  const field = visitor.field;
  if (!field) return;
  const value = $("#answer").value;
  $("#answer").value = "";
  say(
    field === "question"
      ? "You type your question."
      : `You type your ${field === "email" ? "e-mail address" : "name"}.`,
    "visitor",
  );
  stopAsking();
  const answer = await callout(FIELD_OUTPUT[field], { [field]: value });
  if (answer.valid === false) return answer.exhausted ? say("Three wrong answers: the dialog ends.") : ask(field);
  const next = (answer.missing ?? []).find((missing) => missing === "email" || missing === "name");
  if (next) return ask(next);
  if (visitor.offline && field !== "question") return ask("question");
  await handOver();
}

async function confirmHandover() {
  $("#confirm").disabled = true;
  say("The Conversational Router hands the chat over and calls the Handover Endpoint.", "visitor");
  await callout("RouterHandoverEndpointUrl");
  await refresh();
}

$("#start").addEventListener("click", () => void startChat().then(refresh));
$("#visitor-form").addEventListener("submit", (event) => void sendAnswer(event).then(refresh));
$("#confirm").addEventListener("click", () => void confirmHandover());
// The next poll starts a second after the last one ended: a slow answer never piles polls up.
async function pollForever() {
  await refresh();
  setTimeout(pollForever, 1000);
}
await pollForever();

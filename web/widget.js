/* Forsøksassistenten: the chat widget. Vanilla JavaScript, no build step, no cookies; it talks only to
 * the host it was loaded from. Embed with one line (every data- attribute is optional and validated):
 *   <script src="https://HOST/widget.js" defer data-lang="nn" data-title="Spør kommunen" data-accent="#005a9c"
 *           data-position="right"></script>
 * data-mode="inline" data-target="ID" draws the chat inside the element with that id (used by / and /embed).
 * Everything from visitors and answers is inserted as text, never as HTML. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !("attachShadow" in Element.prototype)) return;
  const API = new URL(script.src, location.href).origin;
  const MAX = 500;
  const CONTACT = {
    phone: "22 24 72 01",
    postal_address: "Postboks 8112 Dep., 0032 Oslo",
    visiting_address: "Akersgata 59, Oslo",
    url: "https://www.regjeringen.no/no/tema/statlig-forvaltning/forvaltningsutvikling/tillitsreform/forsokskommune/id2967899/",
    title: "Forsøkskommune",
  };
  const T = {
    nb: {
      launcher: "Spør om forsøksordningen",
      title: "Forsøksassistenten",
      greeting: "Hei! Jeg svarer på spørsmål om forsøksordningen for kommuner og fylkeskommuner. Hva lurer du på?",
      log: "Samtale", you: "Du", bot: "Assistenten",
      label: "Spørsmålet ditt", count: "av 500 tegn", send: "Send",
      restart: "Start på nytt", close: "Lukk", contact: "Kontakt",
      contactTitle: "Kontakt Kommunalavdelingen",
      contactIntro: "Kommunalavdelingen i Kommunal- og distriktsdepartementet svarer på spørsmål om forsøksordningen.",
      phone: "Telefon", post: "Postadresse", visit: "Besøksadresse",
      source: "Kilde:", newTab: "(åpnes i ny fane)", suggest: "Forslag til spørsmål",
      helpful: "Var svaret nyttig?", yes: "Ja", no: "Nei",
      thanks: "Takk for tilbakemeldingen!", fbFailed: "Tilbakemeldingen kom ikke fram. Prøv igjen senere.",
      empty: "Skriv et spørsmål først.", tooLong: "Spørsmålet er for langt (høyst 500 tegn).",
      offline: "Beklager, jeg får ikke kontakt med tjenesten akkurat nå. Sjekk nettforbindelsen og prøv igjen om " +
        "litt, eller ring Kommunalavdelingen på 22 24 72 01.",
      rate: "Du har stilt mange spørsmål på kort tid. Vent litt og prøv igjen.",
      failed: "Beklager, noe gikk galt. Prøv å formulere spørsmålet på nytt.",
      starters: ["Hva er forsøksordningen for kommuner og fylkeskommuner?",
        "Hvem kan søke om å delta i forsøksordningen?", "Hvor lenge kan et forsøk vare?"],
    },
    nn: {
      launcher: "Spør om forsøksordninga",
      title: "Forsøksassistenten",
      greeting: "Hei! Eg svarar på spørsmål om forsøksordninga for kommunar og fylkeskommunar. Kva lurer du på?",
      log: "Samtale", you: "Du", bot: "Assistenten",
      label: "Spørsmålet ditt", count: "av 500 teikn", send: "Send",
      restart: "Start på nytt", close: "Lukk", contact: "Kontakt",
      contactTitle: "Kontakt Kommunalavdelinga",
      contactIntro: "Kommunalavdelinga i Kommunal- og distriktsdepartementet svarar på spørsmål om forsøksordninga.",
      phone: "Telefon", post: "Postadresse", visit: "Besøksadresse",
      source: "Kjelde:", newTab: "(blir opna i ny fane)", suggest: "Forslag til spørsmål",
      helpful: "Var svaret nyttig?", yes: "Ja", no: "Nei",
      thanks: "Takk for tilbakemeldinga!", fbFailed: "Tilbakemeldinga kom ikkje fram. Prøv igjen seinare.",
      empty: "Skriv eit spørsmål først.", tooLong: "Spørsmålet er for langt (høgst 500 teikn).",
      offline: "Orsak, eg får ikkje kontakt med tenesta akkurat no. Sjekk nettilkoplinga og prøv igjen om litt, " +
        "eller ring Kommunalavdelinga på 22 24 72 01.",
      rate: "Du har stilt mange spørsmål på kort tid. Vent litt og prøv igjen.",
      failed: "Orsak, noko gjekk gale. Prøv å formulere spørsmålet på nytt.",
      starters: ["Kva er forsøksordninga for kommunar og fylkeskommunar?",
        "Kven kan søkje om å vere med i forsøksordninga?", "Kor lenge kan eit forsøk vare?"],
    },
  };

  // -- configuration: every data- value is validated; an invalid one is ignored with a warning ----------
  const data = script.dataset;
  const option = (name, valid) => {
    const value = data[name];
    if (value === undefined) return undefined;
    if (valid(value)) return value;
    console.warn("forsøksassistenten: ignorerer ugyldig data-" + name);
    return undefined;
  };
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  const pageLang = (document.documentElement.lang || "").toLowerCase();
  const lang = option("lang", (v) => v in T) || (/^nn\b/.test(pageLang) ? "nn" : "nb");
  const t = T[lang];
  const title = (option("title", (v) => v.trim() && v.length <= 60 && !CONTROL.test(v)) || t.title).trim();
  const accent = readableAccent(option("accent", (v) => /^#([0-9a-f]{3}){1,2}$/i.test(v)) || "#0b5394");
  const left = option("position", (v) => v === "left" || v === "right") === "left";
  const targetId = option("target", (v) => /^[A-Za-z][\w-]{0,63}$/.test(v));
  const target = option("mode", (v) => v === "inline") && targetId ? document.getElementById(targetId) : null;
  const inline = !!target;

  /** The accent colour darkened until white text on it (and it on white) reaches 4.5:1. */
  function readableAccent(hex) {
    const h = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, "$&$&") : hex;
    let rgb = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const channel = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    const contrast = (c) => 1.05 / (0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]) + 0.05);
    if (contrast(rgb) < 4.5) console.warn("forsøksassistenten: data-accent har for svak kontrast og blir mørkere");
    while (contrast(rgb) < 4.5) rgb = rgb.map((c) => Math.floor(c * 0.9));
    return "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  }

  // -- state, kept in sessionStorage so the conversation survives a reload -------------------------------
  const KEY = "forsoksassistenten:" + API + (inline ? ":" + location.pathname : "");
  let state = { session: null, messages: [], suggestions: null, open: false };
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && Array.isArray(saved.messages)) state = Object.assign(state, saved);
  } catch (e) { /* storage blocked or corrupt: start afresh */ }
  const save = () => {
    state.messages = state.messages.slice(-40);
    try { sessionStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  };

  // -- DOM helpers: text only, links only with https, mailto or tel --------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }
  const text = (v) => (typeof v === "string" ? v : "");
  function safeHref(url, schemes) {
    try {
      const parsed = new URL(text(url));
      return (schemes || ["https:", "mailto:", "tel:"]).includes(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }
  const sr = (s) => el("span", { class: "fa-sr" }, s);

  // -- the widget ------------------------------------------------------------------------------------------
  if (!inline && window.__forsoksassistenten) return;
  window.__forsoksassistenten = true;
  const host = target || document.body.appendChild(el("div", { "data-forsoksassistenten": "" }));
  if (host.shadowRoot) return;
  const root = host.attachShadow({ mode: "open" });
  const wrap = el("div", { class: "fa " + (inline ? "fa--inline" : "fa--launcher") + (left ? " fa--left" : ""),
    lang, hidden: true });
  wrap.style.setProperty("--fa-accent", accent);
  const css = el("link", { rel: "stylesheet", href: API + "/widget.css" });
  const show = () => { wrap.hidden = false; };
  css.addEventListener("load", show);
  css.addEventListener("error", show);
  setTimeout(show, 3000);
  root.append(css, wrap);

  const launcher = inline ? null : el("button", { class: "fa-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "fa-panel", onclick: () => setOpen(panel.hidden, true) },
  el("span", { class: "fa-icon", "aria-hidden": "true" }, "💬"), el("span", {}, t.launcher));
  const contactBtn = el("button", { type: "button", class: "fa-tool", "aria-expanded": "false",
    "aria-controls": "fa-contact", onclick: () => toggleContact() }, t.contact);
  const contactBox = el("div", { id: "fa-contact", class: "fa-contact", hidden: true }, card(CONTACT, "fa-contact-title"));
  const log = el("div", { class: "fa-log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0" });
  const typing = el("div", { class: "fa-typing", "aria-hidden": "true", hidden: true },
    el("span", {}), el("span", {}), el("span", {}));
  const suggestBox = el("div", { class: "fa-suggest", role: "group", "aria-labelledby": "fa-suggest-label" });
  const input = el("input", { id: "fa-q", type: "text", autocomplete: "off", enterkeyhint: "send",
    "aria-describedby": "fa-count fa-form-msg", oninput: () => updateCount() });
  const counter = el("span", { id: "fa-count", class: "fa-count" }, "0 " + t.count);
  const formMsg = el("span", { id: "fa-form-msg", class: "fa-form-msg", role: "status" });
  const form = el("form", { class: "fa-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); send(input.value); } },
    el("label", { for: "fa-q" }, t.label),
    el("div", { class: "fa-row" }, input, el("button", { type: "submit", class: "fa-send" }, t.send)),
    el("div", { class: "fa-meta" }, counter, formMsg));
  const panel = el(inline ? "section" : "div", { id: "fa-panel", class: "fa-panel", "aria-labelledby": "fa-title",
    role: inline ? null : "dialog", hidden: !inline },
  el("div", { class: "fa-head" },
    el("h2", { id: "fa-title", class: "fa-title" }, title),
    el("div", { class: "fa-tools" }, contactBtn,
      el("button", { type: "button", class: "fa-tool", onclick: () => restart() }, t.restart),
      inline ? null : el("button", { type: "button", class: "fa-tool fa-close", onclick: () => setOpen(false, true) },
        el("span", { "aria-hidden": "true" }, "✕ "), t.close))),
  contactBox, log, suggestBox, form);
  if (launcher) wrap.append(launcher);
  wrap.append(panel);
  wrap.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && launcher && !panel.hidden) {
      e.stopPropagation();
      setOpen(false, true);
    }
  });

  function card(contact, id) {
    const c = Object.assign({}, CONTACT, contact);
    const phone = text(c.phone);
    const tel = safeHref("tel:+47" + phone.replace(/\D/g, ""), ["tel:"]);
    const url = safeHref(c.url, ["https:"]);
    return el("section", { class: "fa-card", "aria-labelledby": id },
      el("h3", { id }, t.contactTitle),
      el("p", {}, t.contactIntro),
      el("dl", {},
        el("dt", {}, t.phone), el("dd", {}, tel ? el("a", { href: tel }, phone) : phone),
        el("dt", {}, t.post), el("dd", {}, text(c.postal_address)),
        el("dt", {}, t.visit), el("dd", {}, text(c.visiting_address))),
      url && el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer" },
        text(c.title) || url, " ", sr(t.newTab))));
  }

  function renderMessage(m, index) {
    if (m.role === "user") return el("div", { class: "fa-msg fa-user" }, sr(t.you + ": "), text(m.text));
    if (m.role === "error") return el("div", { class: "fa-msg fa-error" }, sr(t.bot + ": "), text(m.text));
    const box = el("div", { class: "fa-msg fa-bot", lang: m.lang in T ? m.lang : null },
      sr(t.bot + ": "), el("p", { class: "fa-answer" }, text(m.text)));
    const source = m.source && safeHref(m.source.url, ["https:"]);
    if (source) {
      box.append(el("p", { class: "fa-source" }, t.source + " ",
        el("a", { href: source, target: "_blank", rel: "noopener noreferrer" },
          text(m.source.title) || source, " ", sr(t.newTab))));
    }
    if (m.contact && typeof m.contact === "object") box.append(card(m.contact, "fa-card-" + index));
    if (typeof m.reply_id === "string") box.append(feedback(m));
    return box;
  }

  function feedback(m) {
    const status = el("span", { class: "fa-thanks" }, m.feedback === undefined ? "" : t.thanks);
    const button = (helpful, emoji, label) => el("button", { type: "button", class: "fa-fb",
      "aria-pressed": String(m.feedback === helpful), onclick: (e) => rate(m, helpful, e.currentTarget, status) },
    el("span", { "aria-hidden": "true" }, emoji + " "), label);
    return el("div", { class: "fa-feedback", role: "group", "aria-label": t.helpful },
      el("span", { "aria-hidden": "true" }, t.helpful), button(true, "👍", t.yes), button(false, "👎", t.no), status);
  }

  async function rate(m, helpful, button, status) {
    if (m.feedback !== undefined) return;
    try {
      const res = await post("/api/feedback", { reply_id: m.reply_id, helpful });
      if (!res.ok) throw new Error(String(res.status));
      m.feedback = helpful;
      button.setAttribute("aria-pressed", "true");
      status.textContent = t.thanks;
      save();
    } catch (e) {
      status.textContent = t.fbFailed;
    }
  }

  function renderSuggestions() {
    const given = (Array.isArray(state.suggestions) ? state.suggestions : []).filter((s) => s && text(s.question).trim());
    const list = given.length ? given : t.starters.map((question) => ({ question }));
    suggestBox.replaceChildren(el("span", { id: "fa-suggest-label", class: "fa-suggest-label" }, t.suggest),
      ...list.slice(0, 4).map((s) => el("button", { type: "button", class: "fa-chip", onclick: () => {
        input.focus();
        send(text(s.question), s.id ? text(s.id) : undefined);
      } }, text(s.question))));
  }

  function renderLog() {
    log.replaceChildren(el("div", { class: "fa-msg fa-bot" }, sr(t.bot + ": "), el("p", { class: "fa-answer" }, t.greeting)),
      ...state.messages.map(renderMessage), typing);
    scrollLog();
  }

  const scrollLog = () => { log.scrollTop = log.scrollHeight; };

  function add(message) {
    state.messages.push(message);
    log.insertBefore(renderMessage(message, state.messages.length - 1), typing);
    scrollLog();
    save();
  }

  function updateCount() {
    const n = [...input.value].length;
    counter.textContent = n + " " + t.count;
    const over = n > MAX;
    counter.classList.toggle("fa-over", over);
    if (over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    formMsg.textContent = over ? t.tooLong : "";
  }

  const post = (path, body) => fetch(API + path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store",
  });

  let busy = false;
  async function send(question, choice) {
    if (busy) return;
    if (!question.trim()) { formMsg.textContent = t.empty; return; }
    if ([...question].length > MAX) { formMsg.textContent = t.tooLong; return; }
    busy = true;
    formMsg.textContent = "";
    input.value = "";
    updateCount();
    add({ role: "user", text: question });
    typing.hidden = false;
    scrollLog();
    try {
      const res = await post("/api/ask", { question, session: state.session || undefined, choice });
      const body = await res.json().catch(() => null);
      if (res.ok && body && typeof body.answer === "string") {
        state.session = text(body.session) || null;
        if (Array.isArray(body.suggestions) && body.suggestions.length) state.suggestions = body.suggestions;
        add({ role: "bot", text: body.answer, lang: body.lang, source: body.source, contact: body.contact,
          reply_id: body.reply_id });
        renderSuggestions();
      } else {
        const code = body && body.error && body.error.code;
        if (code === "invalid_session") state.session = null;
        add({ role: "error", text: res.status === 429 ? t.rate : code === "question_too_long" ? t.tooLong : t.failed });
      }
    } catch (e) {
      add({ role: "error", text: t.offline });
    } finally {
      typing.hidden = true;
      busy = false;
    }
  }

  function restart() {
    state = { session: null, messages: [], suggestions: null, open: state.open };
    save();
    renderLog();
    renderSuggestions();
    formMsg.textContent = "";
    input.focus();
  }

  function toggleContact() {
    const open = contactBox.hidden;
    contactBox.hidden = !open;
    contactBtn.setAttribute("aria-expanded", String(open));
  }

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    save();
    if (open) scrollLog();
    if (moveFocus) (open ? input : launcher).focus();
  }

  renderLog();
  renderSuggestions();
  if (launcher && state.open) setOpen(true, false);
})();

/* Forsøksassistenten: the chat widget. Vanilla JavaScript, no build step, no cookies; it talks only to
 * the host it was loaded from. Embed with one line (every data- attribute is optional and validated):
 *   <script src="https://HOST/widget.js" defer data-lang="nn" data-title="Spør kommunen" data-accent="#005a9c"
 *           data-position="right" data-privacy-url="https://www.x.kommune.no/personvern"
 *           data-municipality-name="Testkommune" data-municipality-url="https://www.x.kommune.no/"></script>
 * data-mode="inline" data-target="ID" draws the chat inside the element with that id (used by / and /embed).
 * Everything from visitors and answers is inserted as text, never as HTML. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !("attachShadow" in Element.prototype)) return;
  const API = new URL(script.src, location.href).origin;
  const MAX = 500;
  const TTL = 3600e3; // a conversation kept on this device is forgotten after an hour without use
  const SMALL = "(max-width:40em),(max-height:35em)"; // the panel fills the screen (phones, high zoom)
  const LANGS = ["nb", "nn"];
  // What the widget says comes from the server (GET /api/texts), read once before the widget is drawn:
  // T holds the texts per målform, CONTACT the contact card, IN_NORWEGIAN the lead-in of an English reply's
  // Norwegian answer, STARTERS the starter questions per målform.
  let T, CONTACT, IN_NORWEGIAN, STARTERS;

  // -- configuration: every data- value is validated; an invalid one is ignored with a warning ----------
  const data = script.dataset;
  const option = (name, valid) => {
    const value = data[name];
    if (value === undefined) return undefined;
    if (valid(value)) return value;
    console.warn("forsøksassistenten: ignorerer ugyldig data-" + name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()));
    return undefined;
  };
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
  const label = (v) => v.trim() && v.length <= 60 && !CONTROL.test(v);
  const https = (v) => !!safeHref(v, ["https:"]);
  const pageLang = (document.documentElement.lang || "").toLowerCase();
  const startLang = option("lang", (v) => LANGS.includes(v)) || (/^nn\b/.test(pageLang) ? "nn" : "nb");
  const customTitle = option("title", label);
  const accent = readableAccent(option("accent", (v) => /^#([0-9a-f]{3}){1,2}$/i.test(v)) || "#0b5394");
  const left = option("position", (v) => v === "left" || v === "right") === "left";
  const targetId = option("target", (v) => /^[A-Za-z][\w-]{0,63}$/.test(v));
  const target = option("mode", (v) => v === "inline") && targetId ? document.getElementById(targetId) : null;
  const inline = !!target;
  const privacyUrl = option("privacyUrl", https);
  const hostName = option("municipalityName", label);
  const hostUrl = option("municipalityUrl", https);

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

  // -- state, kept in localStorage (per site, forgotten after TTL) so the conversation survives a reload ---
  const KEY = "forsoksassistenten:" + API + (inline ? ":" + location.pathname : "");
  const fresh = () => ({ session: null, messages: [], open: false, lang: null, at: 0 });
  let state = fresh();
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    if (saved && Array.isArray(saved.messages) && Date.now() - saved.at < TTL) state = Object.assign(state, saved);
    else localStorage.removeItem(KEY);
  } catch (e) { /* storage blocked or corrupt: start afresh */ }
  const save = () => {
    state.messages = state.messages.slice(-40);
    state.at = Date.now();
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
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
      const parsed = new URL(typeof url === "string" ? url : "");
      return (schemes || ["https:", "mailto:", "tel:"]).includes(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }
  const sr = (s) => el("span", { class: "fa-sr" }, s);
  const link = (href, label, t) => el("a", { href, target: "_blank", rel: "noopener noreferrer" }, label, " ",
    sr(t.new_tab));
  const tel = (phone) => el("a", { href: "tel:+47" + phone.replace(/\D/g, "") }, phone);
  const button = (label, onclick, attrs) => el("button", Object.assign({ type: "button", onclick }, attrs), label);

  // -- the widget ------------------------------------------------------------------------------------------
  if (!inline && window.__forsoksassistenten) return;
  window.__forsoksassistenten = true;
  if (target && target.shadowRoot) return;
  let root;
  const small = matchMedia(SMALL);
  let styled = false;
  let t, wrap, launcher, panel, menuBtn, menu, contactBox, confirmBox, menuMsg, log, typing, status, input, counter,
    formMsg;

  /** (Re)build the widget in the current language (the language switch rebuilds it). */
  function build() {
    const lang = state.lang || startLang;
    t = T[lang];
    const old = wrap;
    wrap = el("div", { class: "fa " + (inline ? "fa--inline" : "fa--launcher") + (left ? " fa--left" : ""), lang,
      hidden: !styled });
    wrap.style.setProperty("--fa-accent", accent);
    launcher = inline ? null : el("button", { class: "fa-launcher", type: "button", "aria-expanded": "false",
      "aria-controls": "fa-panel", onclick: () => setOpen(panel.hidden, true) },
    el("span", { class: "fa-icon", "aria-hidden": "true" }, "💬"), el("span", {}, t.heading));
    contactBox = el("div", { id: "fa-contact", class: "fa-contact", hidden: true }, card());
    confirmBox = el("div", { class: "fa-confirm", hidden: true }, el("p", {}, t.confirm_restart),
      button(t.yes_restart, restart, { class: "fa-tool fa-yes" }), button(t.cancel, () => confirmRestart(false),
        { class: "fa-tool" }));
    menuMsg = el("p", { class: "fa-menu-msg", role: "status" });
    const other = lang === "nb" ? "nn" : "nb";
    menu = el("div", { id: "fa-menu", class: "fa-menu", hidden: true },
      button(t.other_lang, () => switchLang(other), { class: "fa-tool fa-lang", lang: other }),
      button(t.contact_menu, toggleContact, { class: "fa-tool", "aria-expanded": "false",
        "aria-controls": "fa-contact" }),
      contactBox,
      button(t.copy, copy, { class: "fa-tool" }),
      button(t.print, () => { showMenu(false); print(); }, { class: "fa-tool" }),
      button(t.restart, () => confirmRestart(true), { class: "fa-tool fa-restart" }),
      confirmBox, menuMsg);
    menuBtn = button(t.menu, () => showMenu(menu.hidden), { class: "fa-tool fa-menu-btn", "aria-expanded": "false",
      "aria-controls": "fa-menu" });
    log = el("div", { class: "fa-log", role: "log", "aria-live": "polite", "aria-label": t.conversation,
      tabindex: "0" });
    typing = el("div", { class: "fa-typing", "aria-hidden": "true", hidden: true },
      el("span", {}), el("span", {}), el("span", {}));
    status = el("span", { class: "fa-sr", role: "status" });
    input = el("input", { id: "fa-q", type: "text", autocomplete: "off", enterkeyhint: "send",
      "aria-describedby": "fa-count fa-form-msg", oninput: () => updateCount() });
    counter = el("span", { id: "fa-count", class: "fa-count" }, "0 " + t.count);
    formMsg = el("span", { id: "fa-form-msg", class: "fa-form-msg", role: "status" });
    const form = el("form", { class: "fa-form", novalidate: true,
      onsubmit: (e) => { e.preventDefault(); send(input.value); } },
    el("div", { class: "fa-meta" }, el("label", { for: "fa-q" }, t.label), counter),
    el("div", { class: "fa-row" }, input, el("button", { type: "submit", class: "fa-send" }, t.send)), formMsg);
    panel = el(inline ? "section" : "div", { id: "fa-panel", class: "fa-panel", "aria-labelledby": "fa-title",
      role: inline ? null : "dialog", hidden: !inline },
    el("div", { class: "fa-head" },
      el("h2", { id: "fa-title", class: "fa-title" }, (customTitle || t.name).trim()),
      el("div", { class: "fa-tools" }, menuBtn, menu,
        inline ? null : button(t.close, () => setOpen(false, true), { class: "fa-tool fa-close" }))),
    log, status, form);
    panel.querySelector(".fa-close")?.prepend(el("span", { "aria-hidden": "true" }, "✕ "));
    if (launcher) wrap.append(launcher);
    wrap.append(panel);
    wrap.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (!menu.hidden) showMenu(false, true);
      else if (launcher && !panel.hidden) setOpen(false, true);
      else return;
      e.stopPropagation();
    });
    if (old) old.replaceWith(wrap);
    else root.append(wrap);
    renderLog();
  }

  function card() {
    const url = safeHref(CONTACT.url, ["https:"]);
    return el("section", { class: "fa-card", "aria-labelledby": "fa-contact-title" },
      el("h3", { id: "fa-contact-title" }, t.contact),
      el("p", {}, t.contact_about),
      el("dl", {},
        el("dt", {}, t.phone), el("dd", {}, tel(CONTACT.phone)),
        el("dt", {}, t.post), el("dd", {}, CONTACT.postal_address),
        el("dt", {}, t.visit), el("dd", {}, CONTACT.visiting_address)),
      el("p", {}, link(url, CONTACT.title, t)));
  }

  /** The answer text, with the contact phone number as a tel: link wherever it occurs. */
  function answerText(answer, phone) {
    const p = el("p", { class: "fa-answer" });
    const parts = phone ? answer.split(phone) : [answer];
    parts.forEach((part, i) => p.append(part, i < parts.length - 1 ? tel(phone) : ""));
    return p;
  }

  function renderMessage(m) {
    if (m.role === "user") return el("div", { class: "fa-msg fa-user", lang: m.lang }, sr(t.you + ": "), text(m.text));
    if (m.role === "error") return el("div", { class: "fa-msg fa-error" }, sr(t.bot + ": "), text(m.text));
    const rt = T[m.lang] || t;
    const english = m.intent === "english";
    const box = el("div", { class: "fa-msg fa-bot", lang: english ? "en" : m.lang in T ? m.lang : null },
      sr(t.bot + ": "));
    const contact = m.contact && typeof m.contact === "object" ? m.contact : null;
    const phone = contact && typeof contact.phone === "string" && contact.phone.trim() ? contact.phone : "";
    if (m.refer_to === "municipality") {
      box.append(el("p", { class: "fa-answer" }, rt.outside, " ", hostName && hostUrl ? rt.ask_host : rt.ask_local),
        hostName && hostUrl ? el("p", { class: "fa-source" }, link(hostUrl, hostName, rt)) : "");
      return box;
    }
    const answer = text(m.text);
    const split = english ? answer.indexOf(IN_NORWEGIAN) + IN_NORWEGIAN.length : 0;
    if (split > IN_NORWEGIAN.length) { // the English note, then the best answer in Norwegian
      box.append(answerText(answer.slice(0, split), phone), el("div", { lang: "nb" },
        answerText(answer.slice(split).trim(), phone)));
    } else box.append(answerText(answer, phone));
    const source = m.source && safeHref(m.source.url, ["https:"]);
    if (contact) {
      // One compact line: the phone (when the text does not give it) and the contact page.
      const url = safeHref(contact.url, ["https:"]) || source;
      const line = el("p", { class: "fa-source", lang: english ? rt === T.nn ? "nn" : "nb" : null });
      if (phone && !answer.includes(phone)) line.append(rt.phone + " ", tel(phone), " · ");
      if (url) line.append(rt.more + " ", link(url, text(contact.title) || text(m.source && m.source.title) || url, rt));
      if (line.childNodes.length) box.append(line);
    } else if (source) {
      box.append(el("p", { class: "fa-source" }, rt.source + " ", link(source, text(m.source.title) || source, rt)));
    }
    if (typeof m.reply_id === "string" && m.id && !m.fallback) box.append(feedback(m));
    return box;
  }

  function feedback(m) {
    const thanks = el("span", { class: "fa-thanks" }, m.feedback === undefined ? "" : t.thanks);
    const fb = (helpful, emoji, label) => el("button", { type: "button", class: "fa-fb",
      "aria-pressed": String(m.feedback === helpful), onclick: (e) => rate(m, helpful, e.currentTarget, thanks) },
    el("span", { "aria-hidden": "true" }, emoji + " "), label);
    return el("div", { class: "fa-feedback", role: "group", "aria-label": t.helpful_question, lang: wrap.lang },
      el("span", { "aria-hidden": "true" }, t.helpful_question), fb(true, "👍", t.yes), fb(false, "👎", t.no), thanks);
  }

  async function rate(m, helpful, target, thanks) {
    if (m.feedback !== undefined) return;
    try {
      const res = await post("/api/feedback", { reply_id: m.reply_id, helpful });
      if (!res.ok) throw new Error(String(res.status));
      m.feedback = helpful;
      target.setAttribute("aria-pressed", "true");
      thanks.textContent = t.thanks;
      save();
    } catch (e) {
      thanks.textContent = t.feedback_failed;
    }
  }

  /** The quick replies, right under the reply they belong to: the newest one (or the greeting). */
  function renderChips() {
    log.querySelector(".fa-chips")?.remove();
    const last = state.messages[state.messages.length - 1];
    const given = last ? (last.role === "bot" && Array.isArray(last.suggestions) ? last.suggestions : []) :
      STARTERS[state.lang || startLang].map((s) => ({ question: s.question }));
    const list = given.filter((s) => s && text(s.question).trim()).slice(0, 4);
    if (!list.length) return;
    const lang = last ? (last.lang in T ? last.lang : null) : null;
    log.insertBefore(el("div", { class: "fa-chips", role: "group", "aria-label": t.suggestions, lang },
      el("span", { class: "fa-suggest-label", "aria-hidden": "true" }, t.suggest),
      ...list.map((s) => el("button", { type: "button", class: "fa-chip", onclick: () => {
        input.focus();
        send(text(s.question), s.id ? text(s.id) : undefined);
      } }, text(s.question)))), typing);
  }

  function renderLog() {
    const privacy = privacyUrl && link(privacyUrl, t.privacy_link, t);
    log.replaceChildren(el("p", { class: "fa-notice" }, t.notice, privacy ? " " : "", privacy || ""),
      el("div", { class: "fa-msg fa-bot" }, sr(t.bot + ": "), el("p", { class: "fa-answer" }, t.greeting)),
      ...state.messages.map(renderMessage), typing);
    renderChips();
    reveal(true);
  }

  /** Scroll the log so the newest question and the start of the newest reply are in view (not the reply's end). */
  function reveal(instant) {
    if (panel.hidden) return;
    const items = [...log.querySelectorAll(".fa-msg")];
    const reply = typing.hidden ? items[items.length - 1] : typing;
    const question = [...log.querySelectorAll(".fa-user")].pop();
    if (!reply) return;
    const top = (node) => node.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 12;
    const start = question && top(reply) - top(question) < log.clientHeight / 2 ? question : reply;
    log.scrollTo({ top: state.messages.length ? top(start) : 0, behavior: instant ? "instant" : "smooth" });
  }

  function add(message) {
    state.messages.push(message);
    const node = log.insertBefore(renderMessage(message), typing);
    renderChips();
    reveal();
    save();
    return node;
  }

  function updateCount() {
    const n = [...input.value].length;
    counter.textContent = n + " " + t.count;
    const over = n > MAX;
    counter.classList.toggle("fa-over", over);
    if (over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    formMsg.textContent = over ? t.too_large : "";
  }

  const post = (path, body) => fetch(API + path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store",
  });

  let busy = false;
  async function send(question, choice) {
    if (busy) { formMsg.textContent = t.wait; return; }
    if (!question.trim()) { formMsg.textContent = t.empty; return; }
    if ([...question].length > MAX) { formMsg.textContent = t.too_large; return; }
    busy = true;
    formMsg.textContent = "";
    input.value = "";
    updateCount();
    const asked = { role: "user", text: question };
    const bubble = add(asked);
    typing.hidden = false;
    status.textContent = t.typing;
    reveal();
    try {
      const res = await post("/api/ask", { question, session: state.session || undefined, choice,
        lang: state.lang || undefined });
      const body = await res.json().catch(() => null);
      if (res.ok && body && typeof body.answer === "string") {
        state.session = text(body.session) || null;
        asked.lang = body.intent === "english" ? "en" : body.lang in T ? body.lang : undefined;
        if (asked.lang) bubble.lang = asked.lang;
        finish();
        add({ role: "bot", text: body.answer, lang: body.lang, source: body.source, contact: body.contact,
          reply_id: body.reply_id, id: body.id, fallback: body.fallback, intent: body.intent,
          suggestions: Array.isArray(body.suggestions) ? body.suggestions : [], refer_to: body.refer_to });
      } else {
        const code = body && body.error && body.error.code;
        if (code === "invalid_session") state.session = null;
        finish();
        add({ role: "error",
          text: res.status === 429 ? t.rate_limited : code === "question_too_long" ? t.too_large : t.failed });
      }
    } catch (e) {
      finish();
      add({ role: "error", text: t.offline });
    }
  }

  function finish() {
    typing.hidden = true;
    status.textContent = "";
    busy = false;
  }

  function showMenu(open, focusButton) {
    menu.hidden = !open;
    menuBtn.setAttribute("aria-expanded", String(open));
    if (!open) { confirmBox.hidden = true; menuMsg.textContent = ""; }
    if (focusButton) menuBtn.focus();
  }

  function confirmRestart(ask) {
    confirmBox.hidden = !ask;
    (ask ? confirmBox.querySelector(".fa-yes") : menu.querySelector(".fa-restart")).focus();
  }

  function restart() {
    state = Object.assign(fresh(), { open: state.open, lang: state.lang });
    save();
    showMenu(false);
    renderLog();
    formMsg.textContent = "";
    input.focus();
  }

  function switchLang(lang) {
    state.lang = lang;
    save();
    build();
    if (launcher && state.open) setOpen(true, false);
    showMenu(true);
    menu.querySelector(".fa-lang").focus();
  }

  function toggleContact(e) {
    const open = contactBox.hidden;
    contactBox.hidden = !open;
    e.currentTarget.setAttribute("aria-expanded", String(open));
  }

  /** The conversation as plain text, for the clipboard: each message, and the address of each link in it. */
  const transcript = () => [...log.querySelectorAll(".fa-msg")].map((m) => [...m.childNodes]
    .filter((n) => !n.matches || !n.matches(".fa-feedback")).map((n) => n.textContent.trim()).join(" ")
    + [...m.querySelectorAll("a[target]")].map((a) => " <" + a.href + ">").join("")).join("\n\n");

  async function copy() {
    try {
      await navigator.clipboard.writeText(transcript());
      menuMsg.textContent = t.copied;
    } catch (e) {
      menuMsg.textContent = t.copy_failed;
    }
  }

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    wrap.classList.toggle("fa--open", open);
    launcher.setAttribute("aria-expanded", String(open));
    launcher.firstChild.textContent = open ? "✕" : "💬";
    state.open = open;
    save();
    if (open) { fit(); reveal(true); } else showMenu(false);
    if (moveFocus) (open ? input : launcher).focus();
  }

  /** Full screen on small screens: the panel follows the visual viewport, so the on-screen keyboard does not
   * cover the newest answer; the newest reply is scrolled into view again. */
  function fit() {
    const vv = window.visualViewport;
    if (!vv || panel.hidden) return;
    wrap.style.setProperty("--fa-vh", vv.height + "px");
    wrap.style.setProperty("--fa-vt", vv.offsetTop + "px");
    reveal(true);
  }
  window.visualViewport?.addEventListener("resize", fit);
  window.visualViewport?.addEventListener("scroll", fit);

  const show = () => {
    if (styled) return;
    styled = true;
    wrap.hidden = false;
    reveal(true);
  };

  /** Draw the widget with the server's texts; until they arrive the page keeps what it has (on / and /embed, the
   * chat without JavaScript), and without them (the service is down) the widget is not drawn at all. */
  function start(body) {
    T = body.texts;
    CONTACT = body.contact;
    IN_NORWEGIAN = body.english_best;
    STARTERS = body.starters;
    if (target && target.shadowRoot) return; // another copy of the script drew it first
    const host = target || document.body.appendChild(el("div", { "data-forsoksassistenten": "" }));
    root = host.attachShadow({ mode: "open" });
    const css = el("link", { rel: "stylesheet", href: API + "/widget.css" });
    root.append(css);
    css.addEventListener("load", show);
    css.addEventListener("error", show);
    setTimeout(show, 3000);
    build();
    if (launcher && state.open && !small.matches) setOpen(true, false);
  }

  fetch(API + "/api/texts", { credentials: "omit", referrerPolicy: "no-referrer" })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
    .then((body) => {
      if (!body || !LANGS.every((lang) => body.texts && body.texts[lang] && body.starters && body.starters[lang]))
        throw new Error("texts");
      start(body);
    })
    .catch(() => console.warn("forsøksassistenten: fikk ikke hentet tekstene fra " + API));
})();

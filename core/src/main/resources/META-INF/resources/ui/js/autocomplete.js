// Metric-name completion for the expression box: the word under the cursor is matched against
// /api/v1/label/__name__/values (fetched once, on first use); prefix matches come first.

import { esc } from "./api.js";

const WORD = /[A-Za-z0-9_:]/;
const MAX_SHOWN = 20;

export function attachAutocomplete(textarea, list, loadNames) {
  let names = null; // a promise of the names, asked for once
  let shown = [];
  let selected = 0;
  let word = { start: 0, end: 0, text: "" };

  /**
   * The metric names, fetched once. Every keystroke awaits the same promise, so what is typed
   * while the names are on their way is completed as soon as they arrive.
   */
  function ensureNames() {
    // Without names there is no completion; the query itself shows what is wrong with the server.
    names ??= loadNames().catch(() => []);
    return names;
  }

  /** The identifier around the cursor, unless the cursor is inside {...} or a string. */
  function wordAtCursor() {
    const text = textarea.value;
    const cursor = textarea.selectionStart;
    const before = text.slice(0, cursor);
    const braces = (before.match(/{/g) || []).length - (before.match(/}/g) || []).length;
    const quotes = (before.match(/"/g) || []).length;
    if (braces > 0 || quotes % 2 === 1) return null;
    let start = cursor;
    while (start > 0 && WORD.test(text[start - 1])) start--;
    let end = cursor;
    while (end < text.length && WORD.test(text[end])) end++;
    return { start, end, text: text.slice(start, cursor) };
  }

  function hide() {
    list.hidden = true;
    shown = [];
  }

  function render() {
    list.innerHTML = shown
      .map((n, i) => {
        const at = n.indexOf(word.text);
        const marked = esc(n.slice(0, at)) + "<b>" + esc(word.text) + "</b>" + esc(n.slice(at + word.text.length));
        return `<li data-i="${i}"${i === selected ? ' class="selected"' : ""}>${marked}</li>`;
      })
      .join("");
    list.hidden = shown.length === 0;
  }

  async function update() {
    const w = wordAtCursor();
    if (!w || w.text.length === 0 || /^[0-9]/.test(w.text)) return hide();
    const all = await ensureNames();
    word = w;
    const prefix = all.filter((n) => n.startsWith(w.text));
    const inner = all.filter((n) => !n.startsWith(w.text) && n.includes(w.text));
    shown = [...prefix, ...inner].slice(0, MAX_SHOWN);
    if (shown.length === 1 && shown[0] === w.text) shown = [];
    selected = 0;
    render();
  }

  function accept(i) {
    const name = shown[i];
    const text = textarea.value;
    textarea.value = text.slice(0, word.start) + name + text.slice(word.end);
    const cursor = word.start + name.length;
    textarea.setSelectionRange(cursor, cursor);
    hide();
    textarea.focus();
  }

  textarea.addEventListener("input", update);
  textarea.addEventListener("focus", ensureNames, { once: true });
  textarea.addEventListener("blur", () => setTimeout(hide, 150));
  textarea.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      selected = (selected + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      render();
      e.preventDefault();
    } else if (e.key === "Enter" || e.key === "Tab") {
      accept(selected);
      e.preventDefault();
    } else if (e.key === "Escape") {
      hide();
      e.preventDefault();
    }
  });
  list.addEventListener("mousedown", (e) => {
    const li = e.target.closest("li");
    if (li) {
      e.preventDefault();
      accept(Number(li.dataset.i));
    }
  });
}

// The header every page shares: the pages, which one is open, and which server answers.

import { apiGet } from "./api.js";

const PAGES = [
  ["/graph", "Graph"],
  ["/targets", "Targets"],
  ["/overview", "Overview"],
  ["/status", "Status"],
];

export function renderNav() {
  const header = document.createElement("header");
  header.className = "nav";
  header.innerHTML =
    '<span class="brand">prom<span>fed</span></span>' +
    PAGES.map(([href, name]) => `<a href="${href}"${location.pathname === href ? ' class="active"' : ""}>${name}</a>`).join("") +
    '<span class="server" id="server"></span>';
  document.body.prepend(header);
  apiGet("status/buildinfo")
    .then((b) => (header.querySelector("#server").textContent = `${location.host} · promfed ${b.version || "dev"}`))
    .catch(() => {});
}

/**
 * Model output as Markdown, rendered to DOM nodes.
 *
 * micromark parses (CommonMark plus GitHub's tables, task lists,
 * strikethrough and autolinks) into an mdast syntax tree; this module turns
 * each node into elements made with createElement and text set with
 * textContent. No HTML string is ever parsed: raw HTML in a reply is an `html`
 * node and stays visible, inert text, and so does anything this renderer does
 * not know. Links keep only http(s) and mailto URLs and open in a new tab
 * without referrer or opener; images become such links, so a reply cannot
 * make the page fetch anything.
 *
 * A reply still streaming is Markdown cut short, and parses as such: an
 * unclosed code fence runs to the end.
 */

import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

/**
 * @typedef {import("mdast").Nodes} MdNode
 * @typedef {import("mdast").Parent} MdParent
 * @typedef {{source: string, definitions: Map<string, import("mdast").Definition>}} Context
 */

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
// "~5 to ~10 minutes" is not strikethrough: only ~~double~~ tildes are.
const PARSE_OPTIONS = { extensions: [gfm({ singleTilde: false })], mdastExtensions: [gfmFromMarkdown()] };
// Headings start at h3: the bubble sits under the page's own h1 and h2.
const HEADING_OFFSET = 2;

/**
 * Replaces the children of `target` with the rendering of `source`.
 * @param {HTMLElement} target
 * @param {string} source
 */
export function renderMarkdown(target, source) {
  const tree = fromMarkdown(source, PARSE_OPTIONS);
  /** @type {Context} */
  const context = { source, definitions: new Map() };
  collectDefinitions(tree, context.definitions);
  const fragment = document.createDocumentFragment();
  appendChildren(fragment, tree, context);
  target.replaceChildren(fragment);
}

/**
 * @param {MdNode} node
 * @param {Context["definitions"]} into
 */
function collectDefinitions(node, into) {
  if (node.type === "definition") into.set(node.identifier, node);
  if ("children" in node) for (const child of node.children) collectDefinitions(child, into);
}

/**
 * @param {ParentNode} parent
 * @param {MdParent} node
 * @param {Context} context
 */
function appendChildren(parent, node, context) {
  for (const child of node.children) {
    const rendered = render(child, context);
    if (rendered) parent.append(rendered);
  }
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {MdParent} node its children become the element's
 * @param {Context} context
 * @returns {HTMLElementTagNameMap[K]}
 */
function element(tag, node, context) {
  const el = document.createElement(tag);
  appendChildren(el, node, context);
  return el;
}

/**
 * @param {MdNode} node
 * @param {Context} context
 * @returns {Node | null}
 */
function render(node, context) {
  switch (node.type) {
    case "paragraph":
      return element("p", node, context);
    case "heading":
      return element(/** @type {"h3" | "h4" | "h5" | "h6"} */ (`h${Math.min(node.depth + HEADING_OFFSET, 6)}`), node, context);
    case "blockquote":
      return element("blockquote", node, context);
    case "list": {
      const list = document.createElement(node.ordered ? "ol" : "ul");
      // A tight list's items hold paragraphs that are not shown as paragraphs.
      const loose = Boolean(node.spread) || node.children.some((item) => item.spread);
      for (const item of node.children) list.append(listItem(item, loose, context));
      if (node.ordered && node.start != null && node.start !== 1) list.setAttribute("start", String(node.start));
      return list;
    }
    case "listItem":
      return listItem(node, true, context);
    case "code": {
      const pre = document.createElement("pre");
      if (node.lang) pre.dataset.lang = node.lang;
      pre.appendChild(document.createElement("code")).textContent = node.value;
      return pre;
    }
    case "thematicBreak":
      return document.createElement("hr");
    case "table":
      return table(node, context);
    case "text":
      return textWithBreaks(node.value);
    case "inlineCode": {
      const code = document.createElement("code");
      code.textContent = node.value;
      return code;
    }
    case "emphasis":
      return element("em", node, context);
    case "strong":
      return element("strong", node, context);
    case "delete":
      return element("del", node, context);
    case "break":
      return document.createElement("br");
    case "link":
    case "linkReference": {
      const url = node.type === "link" ? node.url : context.definitions.get(node.identifier)?.url;
      const a = url === undefined ? null : safeLink(url);
      if (!a) return sourceText(node, context);
      appendChildren(a, node, context);
      return a;
    }
    case "image": {
      const a = safeLink(node.url);
      if (!a) return sourceText(node, context);
      a.textContent = node.alt || a.href;
      return a;
    }
    case "definition":
      return null; // used by the references that point to it
    case "html":
      return document.createTextNode(node.value); // shown as the text it is, never parsed
    default:
      return sourceText(node, context); // footnotes and whatever else: the source, as text
  }
}

/**
 * @param {import("mdast").ListItem} node
 * @param {boolean} loose
 * @param {Context} context
 */
function listItem(node, loose, context) {
  const li = document.createElement("li");
  if (node.checked != null) {
    li.className = "task";
    const box = li.appendChild(document.createElement("input"));
    box.type = "checkbox";
    box.checked = node.checked;
    box.disabled = true;
  }
  for (const child of node.children) {
    if (child.type === "paragraph" && !loose) appendChildren(li, child, context);
    else {
      const rendered = render(child, context);
      if (rendered) li.append(rendered);
    }
  }
  return li;
}

/**
 * @param {import("mdast").Table} node
 * @param {Context} context
 */
function table(node, context) {
  const tableEl = document.createElement("table");
  const [head, ...rows] = node.children;
  /** @param {HTMLTableSectionElement} section @param {import("mdast").TableRow} row @param {"th" | "td"} tag */
  const addRow = (section, row, tag) => {
    const tr = section.appendChild(document.createElement("tr"));
    row.children.forEach((cell, index) => {
      const el = tr.appendChild(element(tag, cell, context));
      const align = node.align?.[index];
      if (align) el.dataset.align = align; // style.css aligns it: no inline style under the CSP
    });
  };
  if (head) addRow(tableEl.appendChild(document.createElement("thead")), head, "th");
  if (rows.length) {
    const body = tableEl.appendChild(document.createElement("tbody"));
    for (const row of rows) addRow(body, row, "td");
  }
  return tableEl;
}

/**
 * An empty link to `url` if it is http(s) or mailto; null for anything else.
 * @param {string} url
 * @returns {HTMLAnchorElement | null}
 */
function safeLink(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!SAFE_PROTOCOLS.has(parsed.protocol)) return null;
  const a = document.createElement("a");
  a.href = parsed.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.title = parsed.href;
  return a;
}

/**
 * The node's own Markdown, as text.
 * @param {MdNode} node
 * @param {Context} context
 */
function sourceText(node, context) {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return document.createTextNode(start != null && end != null ? context.source.slice(start, end) : "");
}

/**
 * A model's single newlines are meant as line breaks, as in a chat.
 * @param {string} value
 * @returns {Node}
 */
function textWithBreaks(value) {
  const lines = value.split("\n");
  if (lines.length === 1) return document.createTextNode(value);
  const fragment = document.createDocumentFragment();
  lines.forEach((line, index) => {
    if (index) fragment.append(document.createElement("br"));
    if (line) fragment.append(line);
  });
  return fragment;
}

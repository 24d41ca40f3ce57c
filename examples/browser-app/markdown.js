/**
 * A small Markdown renderer that builds DOM nodes, for model output.
 *
 * It never parses HTML: every piece of text becomes a Text node, and the only
 * elements it creates are the ones listed below, so `<img onerror=...>` or
 * `<script>` in a reply stays visible, inert text. Links keep only http(s)
 * and mailto URLs and open in a new tab without referrer or opener.
 *
 * Supported: paragraphs and line breaks, # headings, - / * / 1. lists,
 * > quotes, ``` fenced code (an unclosed fence runs to the end, which is what
 * a reply still streaming looks like), `code`, **bold**, *italic*, _italic_,
 * ~~strike~~, [text](url).
 */

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * Replaces the children of `target` with the rendering of `source`.
 * @param {HTMLElement} target
 * @param {string} source
 */
export function renderMarkdown(target, source) {
  const fragment = document.createDocumentFragment();
  for (const block of parseBlocks(source)) fragment.append(renderBlock(block));
  target.replaceChildren(fragment);
}

/**
 * @typedef {{type: "code", lang: string, text: string}
 *   | {type: "heading", level: number, text: string}
 *   | {type: "list", ordered: boolean, start: number, items: string[]}
 *   | {type: "quote", text: string}
 *   | {type: "paragraph", text: string}} Block
 */

/**
 * @param {string} source
 * @returns {Block[]}
 */
export function parseBlocks(source) {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  /** @type {Block[]} */
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)\s*([\w+#.-]*)\s*$/.exec(line);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !new RegExp(`^\\s*${fence[1]}\\s*$`).test(lines[i])) body.push(lines[i++]);
      i++; // the closing fence (or past the end)
      blocks.push({ type: "code", lang: fence[2], text: body.join("\n") });
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: Math.min(heading[1].length + 2, 6), text: heading[2] });
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d{1,9}[.)])\s+/;
    const first = item.exec(line);
    if (first) {
      const ordered = /\d/.test(first[1]);
      const items = [];
      while (i < lines.length && lines[i].trim()) {
        const match = item.exec(lines[i]);
        if (match && /\d/.test(match[1]) === ordered) items.push(lines[i].slice(match[0].length));
        else if (match) break;
        else if (items.length) items[items.length - 1] += `\n${lines[i].trim()}`;
        i++;
      }
      blocks.push({ type: "list", ordered, start: ordered ? parseInt(first[1], 10) : 1, items });
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ""));
      blocks.push({ type: "quote", text: body.join("\n") });
      continue;
    }
    const body = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^\s*(```|~~~)/.test(lines[i]) &&
      !/^#{1,6}\s/.test(lines[i]) &&
      !(body.length && item.test(lines[i]))
    ) {
      body.push(lines[i++]);
    }
    blocks.push({ type: "paragraph", text: body.join("\n") });
  }
  return blocks;
}

/** @param {Block} block @returns {Node} */
function renderBlock(block) {
  switch (block.type) {
    case "code": {
      const pre = document.createElement("pre");
      const code = pre.appendChild(document.createElement("code"));
      if (block.lang) pre.dataset.lang = block.lang;
      code.textContent = block.text;
      return pre;
    }
    case "heading": {
      const h = document.createElement(`h${block.level}`);
      h.append(...inline(block.text));
      return h;
    }
    case "list": {
      const list = document.createElement(block.ordered ? "ol" : "ul");
      if (block.ordered && block.start !== 1) /** @type {HTMLOListElement} */ (list).start = block.start;
      for (const text of block.items) {
        const li = list.appendChild(document.createElement("li"));
        li.append(...inline(text));
      }
      return list;
    }
    case "quote": {
      const quote = document.createElement("blockquote");
      renderMarkdown(quote, block.text);
      return quote;
    }
    default: {
      const p = document.createElement("p");
      p.append(...inline(block.text));
      return p;
    }
  }
}

// One alternation: the first match wins, left to right.
const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|~~(?=\S)([\s\S]*?\S)~~|\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])|\[([^\]\n]+)\]\(\s*([^)\s]+)\s*\)|\n/g;

/**
 * @param {string} text
 * @returns {Node[]}
 */
export function inline(text) {
  /** @type {Node[]} */
  const nodes = [];
  let last = 0;
  INLINE.lastIndex = 0;
  for (const match of text.matchAll(INLINE)) {
    const index = /** @type {number} */ (match.index);
    if (index > last) nodes.push(document.createTextNode(text.slice(last, index)));
    last = index + match[0].length;
    const [whole, , code, bold, bold2, strike, em, em2, label, url] = match;
    if (code !== undefined) {
      const el = document.createElement("code");
      el.textContent = code.trim() === "" ? code : code.replace(/^ (.*) $/s, "$1");
      nodes.push(el);
    } else if (bold !== undefined || bold2 !== undefined) {
      nodes.push(wrap("strong", bold ?? bold2));
    } else if (strike !== undefined) {
      nodes.push(wrap("s", strike));
    } else if (em !== undefined || em2 !== undefined) {
      nodes.push(wrap("em", em ?? em2));
    } else if (label !== undefined) {
      nodes.push(link(label, url, whole));
    } else {
      nodes.push(document.createElement("br"));
    }
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** @param {string} tag @param {string} text */
function wrap(tag, text) {
  const el = document.createElement(tag);
  el.append(...inline(text));
  return el;
}

/**
 * @param {string} label
 * @param {string} url
 * @param {string} whole the original text, shown when the URL is not allowed
 * @returns {Node}
 */
function link(label, url, whole) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return document.createTextNode(whole);
  }
  if (!SAFE_PROTOCOLS.has(parsed.protocol)) return document.createTextNode(whole);
  const a = document.createElement("a");
  a.href = parsed.href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.title = parsed.href;
  a.append(...inline(label));
  return a;
}

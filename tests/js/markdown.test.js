// The app's Markdown rendering (examples/browser-app/markdown.js) on linkedom's
// DOM: what each construct becomes, and that model output never becomes HTML.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { parseHTML } from "linkedom";
import { renderMarkdown } from "../../examples/browser-app/markdown.js";

/** @type {Document} */
let doc;
beforeEach(() => {
  ({ document: doc } = parseHTML("<!doctype html><html><body><div id=reply></div></body></html>"));
  globalThis.document = doc;
});

/** @param {string} source */
function render(source) {
  const target = /** @type {HTMLElement} */ (doc.getElementById("reply"));
  renderMarkdown(target, source);
  return target;
}

/**
 * The rendered tree as nested arrays: [tag, ...children], text as strings.
 * @param {Node} node
 * @returns {any}
 */
function shape(node) {
  if (node.nodeType === 3) return node.textContent;
  const el = /** @type {Element} */ (node);
  return [el.tagName.toLowerCase(), ...[...el.childNodes].map(shape)];
}
/** @param {string} source */
const shapes = (source) => [...render(source).childNodes].map(shape);

test("paragraphs, a model's single newlines as line breaks, emphasis, code", () => {
  assert.deepEqual(shapes("Hello **bold** and *it* and `x < y`\nnext line\n\nSecond ~~gone~~"), [
    ["p", "Hello ", ["strong", "bold"], " and ", ["em", "it"], " and ", ["code", "x < y"], ["br"], "next line"],
    ["p", "Second ", ["del", "gone"]],
  ]);
  assert.deepEqual(shapes("about ~5 to ~10 minutes"), [["p", "about ~5 to ~10 minutes"]], "single tildes are text");
});

test("headings start at h3", () => {
  assert.deepEqual(shapes("# One\n## Two\n#### Four"), [["h3", "One"], ["h4", "Two"], ["h6", "Four"]]);
});

test("a GFM table, with its alignment", () => {
  const target = render("| Item | Qty | Price |\n|:-----|:---:|------:|\n| tea | 2 | 3.50 |\n| **milk** | 1 | 1.20 |");
  assert.deepEqual([...target.childNodes].map(shape), [
    [
      "table",
      ["thead", ["tr", ["th", "Item"], ["th", "Qty"], ["th", "Price"]]],
      ["tbody", ["tr", ["td", "tea"], ["td", "2"], ["td", "3.50"]], ["tr", ["td", ["strong", "milk"]], ["td", "1"], ["td", "1.20"]]],
    ],
  ]);
  const aligns = [...target.querySelectorAll("th")].map((cell) => /** @type {HTMLElement} */ (cell).dataset.align);
  assert.deepEqual(aligns, ["left", "center", "right"]);
});

test("nested lists, ordered with their start, tight items without paragraphs", () => {
  assert.deepEqual(shapes("3. three\n4. four\n   - a\n   - b\n     1. deep\n5. five"), [
    ["ol", ["li", "three"], ["li", "four", ["ul", ["li", "a"], ["li", "b", ["ol", ["li", "deep"]]]]], ["li", "five"]],
  ]);
  assert.equal(/** @type {HTMLOListElement} */ (render("3. three\n4. four").firstChild).getAttribute("start"), "3");
  assert.deepEqual(shapes("- a\n\n- b"), [["ul", ["li", ["p", "a"]], ["li", ["p", "b"]]]], "a loose list keeps them");
});

test("task lists: disabled checkboxes", () => {
  const target = render("- [x] buy milk\n- [ ] call mum");
  const boxes = [...target.querySelectorAll("li.task > input")].map((box) => {
    const input = /** @type {HTMLInputElement} */ (box);
    return [input.type, input.checked, input.disabled];
  });
  assert.deepEqual(boxes, [["checkbox", true, true], ["checkbox", false, true]]);
  assert.equal(target.textContent, "buy milkcall mum");
});

test("fenced code keeps its text and language; an unclosed fence (still streaming) runs to the end", () => {
  assert.deepEqual(shapes("```python\nprint('<b>hi</b>')\n```\nafter"), [["pre", ["code", "print('<b>hi</b>')"]], ["p", "after"]]);
  assert.equal(/** @type {HTMLElement} */ (render("```js\nlet a = 1").firstChild).dataset.lang, "js");
  assert.deepEqual(shapes("```js\nlet a = 1\n\nlet b"), [["pre", ["code", "let a = 1\n\nlet b"]]]);
});

test("quotes, rules, and links that are http(s) or mailto open safely in a new tab", () => {
  assert.deepEqual(shapes("> quoted *text*\n\n---"), [["blockquote", ["p", "quoted ", ["em", "text"]]], ["hr"]]);
  const target = render("[docs](https://example.com/a?b=1) or <mailto:me@example.com> or www.example.org");
  const links = [...target.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent, a.target, a.rel]);
  assert.deepEqual(links, [
    ["https://example.com/a?b=1", "docs", "_blank", "noopener noreferrer nofollow"],
    ["mailto:me@example.com", "mailto:me@example.com", "_blank", "noopener noreferrer nofollow"],
    ["http://www.example.org/", "www.example.org", "_blank", "noopener noreferrer nofollow"],
  ]);
});

test("reference links resolve; their definitions are not shown", () => {
  assert.deepEqual(shapes("See [the docs][d].\n\n[d]: https://example.com/docs"), [["p", "See ", ["a", "the docs"], "."]]);
});

test("raw HTML stays text: no element is made from it", () => {
  const hostile =
    "<img src=x onerror=\"alert('img')\"> and <script>alert('script')</script>\n\n" +
    "<b onmouseover=alert(1)>bold?</b>\n\n<iframe src=javascript:alert(1)></iframe>";
  const target = render(hostile);
  assert.equal(target.querySelectorAll("img, script, b, iframe").length, 0);
  assert.deepEqual(
    [...target.querySelectorAll("*")].map((el) => el.tagName.toLowerCase()),
    ["p", "p"],
    "inline HTML is text in its paragraph; a block of HTML is a text node",
  );
  assert.equal(target.lastChild?.nodeType, 3);
  assert.ok(target.textContent?.includes("<img src=x onerror=\"alert('img')\">"));
  assert.ok(target.textContent?.includes("<iframe src=javascript:alert(1)></iframe>"));
});

test("links and images to anything but http(s)/mailto stay their Markdown, as text", () => {
  for (const source of [
    "[click](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[rel](/relative/path)",
    "[vb](vbscript:msgbox)",
    "![pic](javascript:alert(1))",
  ]) {
    const target = render(source);
    assert.equal(target.querySelectorAll("a, img").length, 0, source);
    assert.equal(target.textContent, source);
  }
  const image = render("![a cat](https://example.com/cat.png)");
  assert.equal(image.querySelectorAll("img").length, 0, "an image is a link: nothing is fetched");
  assert.deepEqual([...image.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent]), [
    ["https://example.com/cat.png", "a cat"],
  ]);
});

test("rendering again replaces what was there", () => {
  render("first");
  assert.deepEqual(shapes("second"), [["p", "second"]]);
  assert.deepEqual(shapes(""), []);
});

/**
 * ESLint (make lint). The rules that matter most here are the security ones:
 * nothing a model or a tool says may run as code or be parsed as HTML, so
 * dynamic code and HTML sinks are errors everywhere, tests included.
 */
import js from "@eslint/js";
import globals from "globals";

const HTML_SINK = "builds DOM from a string: model output must stay text (createElement and textContent).";

export default [
  { ignores: ["build/", "node_modules/", ".venv/"] },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2025, // import attributes (the tiny model's JSON AppConfig)
      sourceType: "module",
      globals: { ...globals.browser, ...globals.worker },
    },
    rules: {
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      // Also catches the computed forms, e.g. element["innerHTML"].
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: `innerHTML ${HTML_SINK}` },
        { property: "outerHTML", message: `outerHTML ${HTML_SINK}` },
        { property: "insertAdjacentHTML", message: `insertAdjacentHTML ${HTML_SINK}` },
        { property: "createContextualFragment", message: `createContextualFragment ${HTML_SINK}` },
        { object: "document", property: "write", message: `document.write ${HTML_SINK}` },
        { object: "document", property: "writeln", message: `document.writeln ${HTML_SINK}` },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='DOMParser']",
          message: `DOMParser ${HTML_SINK}`,
        },
      ],
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["js/build.mjs", "bench/build.mjs", "tools/*.mjs", "tests/js/**", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["examples/browser-app/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
];

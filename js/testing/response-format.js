import Ajv2020 from "ajv/dist/2020.js";
// A UMD bundle whose "type": "module" package hides its exports from bundlers: as a
// module it puts them on globalThis.xgrammar, its browser build's contract.
import "@mlc-ai/web-xgrammar";
import { namedError } from "../errors.js";

/**
 * A real model under `response_format: {type: "json_object", schema}` cannot
 * write anything the grammar forbids. A scripted reply can, and a test that
 * passes on such a reply would prove nothing, so it fails loudly instead.
 *
 * WebLLM compiles the schema with xgrammar in strict mode, which forbids
 * properties the schema does not name. Here that becomes
 * `unevaluatedProperties: false` on every object schema that lists
 * `properties` and says nothing itself about extra ones; an object schema
 * with no `properties` (such as the Hermes tool-call `arguments`) stays open.
 * `type: "grammar"` (EBNF) and `"structural_tag"` are compiled and matched by
 * xgrammar itself, the version WebLLM 0.2.86 bundles (@mlc-ai/web-xgrammar
 * 0.1.27), as WebLLM compiles them.
 */

const ajv = new Ajv2020({ strict: false, allErrors: true });
/** @type {Map<string, import("ajv").ValidateFunction>} compiled once: Ajv refuses a second schema with the same $id */
const validators = new Map();

/**
 * @param {string} content the complete text the scripted reply would generate
 * @param {{type?: string, schema?: string | object} | null | undefined} responseFormat
 * @param {boolean} scripted false when the text is the engine's default reply
 */
export async function checkResponseFormat(content, responseFormat, scripted) {
  if (!responseFormat) return;
  if (responseFormat.type === "grammar" || responseFormat.type === "structural_tag") {
    return checkGrammar(content, /** @type {any} */ (responseFormat), scripted);
  }
  if (responseFormat.type !== "json_object") return;
  // WebLLM 0.2.86 compiles every `json_object` format as a schema, and xgrammar
  // refuses a missing one (llm_chat.ts): JSON mode without a schema fails there.
  if (responseFormat.schema === undefined || responseFormat.schema === null) {
    throw namedError(
      "GrammarMatcherInitError",
      "Failed to initialize the grammar matcher for response format `json_object`: Cannot pass non-string to std::string",
    );
  }
  const reject = (/** @type {string} */ why) => rejected(content, responseFormat, scripted, why);
  let value;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw reject(`it is not JSON (${String(error)})`);
  }
  if (responseFormat.schema === undefined || responseFormat.schema === null) return;
  const validate = validatorFor(responseFormat.schema);
  if (!validate(value)) throw reject(`it violates the schema (${ajv.errorsText(validate.errors)})`);
}

/**
 * @param {string} content
 * @param {object} responseFormat
 * @param {boolean} scripted
 * @param {string} why
 */
function rejected(content, responseFormat, scripted, why) {
  return namedError(
    "ScriptedOutputRejectedError",
    `${scripted ? "The scripted reply" : "No reply was scripted, and the default reply"} ` +
      `could not have been generated under response_format ${JSON.stringify(responseFormat)}: ` +
      `${why}. Reply text: ${JSON.stringify(content.slice(0, 500))}`,
  );
}

/**
 * WebLLM's `grammar` and `structural_tag` formats, by xgrammar: a grammar it
 * cannot compile fails as WebLLM's GrammarMatcherInitError; text the grammar
 * does not accept could not have been generated.
 * @param {string} content
 * @param {{type: string, grammar?: string, structural_tag?: any}} responseFormat
 * @param {boolean} scripted
 */
async function checkGrammar(content, responseFormat, scripted) {
  const { Grammar, Testings } = /** @type {typeof import("@mlc-ai/web-xgrammar")} */ (
    /** @type {any} */ (globalThis).xgrammar
  );
  let grammar;
  try {
    grammar =
      responseFormat.type === "grammar"
        ? await Grammar.fromEBNF(/** @type {string} */ (responseFormat.grammar))
        : await Grammar.fromStructuralTag(responseFormat.structural_tag);
  } catch (error) {
    throw namedError(
      "GrammarMatcherInitError",
      `Failed to initialize the grammar matcher for response format \`${responseFormat.type}\`: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    if (!(await Testings.isGrammarAcceptString(grammar, content))) {
      throw rejected(content, responseFormat, scripted, `the ${responseFormat.type} does not accept it`);
    }
  } finally {
    grammar.dispose();
  }
}

/**
 * @param {string | object} schema
 * @returns {import("ajv").ValidateFunction}
 */
function validatorFor(schema) {
  const key = typeof schema === "string" ? schema : JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    try {
      const copy = JSON.parse(key);
      // Draft-07 schemas (pydantic's, for one) validate the same under 2020-12
      // here; only the meta-schema reference would make Ajv refuse them.
      delete copy.$schema;
      validate = ajv.compile(closeObjects(copy));
    } catch (error) {
      // Where WebLLM fails on a schema xgrammar cannot compile.
      throw namedError(
        "GrammarMatcherInitError",
        `Failed to initialize the grammar matcher for response format \`json_object\`: ${String(error)}`,
      );
    }
    validators.set(key, validate);
  }
  return validate;
}

// Keywords whose value is a schema, an array of schemas, or a map of schemas.
const ONE = ["items", "additionalItems", "contains", "not", "if", "then", "else", "propertyNames", "additionalProperties"];
const MANY = ["prefixItems", "allOf", "anyOf", "oneOf"];
const MAP = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/**
 * @param {any} schema modified in place
 * @returns {any}
 */
function closeObjects(schema) {
  if (typeof schema !== "object" || schema === null) return schema;
  for (const key of ONE) closeObjects(schema[key]);
  for (const key of MANY) if (Array.isArray(schema[key])) schema[key].forEach(closeObjects);
  for (const key of MAP) if (schema[key]) Object.values(schema[key]).forEach(closeObjects);
  if (schema.properties && !("additionalProperties" in schema) && !("unevaluatedProperties" in schema)) {
    schema.unevaluatedProperties = false;
  }
  return schema;
}

// {{name}}: {{description}}
//
// An airssys component in JavaScript that reverses its UTF-8 input, built with
// componentize-js. It implements the `lifecycle` interface of the
// `airssys:core/component` world (wit/core.wit).

import { log } from "airssys:core/logging@1.0.0";

const DEFAULT_GREETING = "hello";
let greeting = DEFAULT_GREETING;

// A `component-error` result: componentize-js turns a thrown `{ tag, val }` into it.
function invalidInput(message) {
  return { tag: "invalid-input", val: message };
}

export const lifecycle = {
  init(config) {
    greeting = DEFAULT_GREETING;
    for (const [key, value] of config) {
      if (key !== "greeting") {
        throw invalidInput(`unknown config key \`${key}\` (expected \`greeting\`)`);
      }
      if (value === "") {
        throw invalidInput("`greeting` must not be empty");
      }
      greeting = value;
    }
    log("debug", `initialised, greeting ${JSON.stringify(greeting)}`);
  },

  execute(input) {
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input.data);
    } catch {
      throw invalidInput("input is not valid UTF-8");
    }
    if (text === "") {
      throw invalidInput("empty input");
    }
    // Spread by code point, so multi-byte characters stay intact.
    const reversed = [...text].reverse().join("");
    const length = [...reversed].length;
    const requestId = input.context.requestId;
    log("debug", `request ${requestId}: reversed ${length} chars`);
    return {
      data: new TextEncoder().encode(reversed),
      metadata: [
        ["length", String(length)],
        ["request-id", requestId],
        ["greeting", greeting],
      ],
    };
  },

  shutdown() {
    log("debug", "shutting down");
  },

  describe() {
    return { name: "{{name}}", version: "0.1.0", description: "{{description}}" };
  },

  health() {
    return "healthy";
  },
};

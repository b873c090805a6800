"""{{name}}: {{description}}

An airssys component in Python that reverses its UTF-8 input. It implements the
`lifecycle` interface of the `airssys:core/component` world (wit/core.wit).
"""

from typing import List, Tuple

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import logging, types

DEFAULT_GREETING = "hello"


def invalid(message: str) -> Err:
    return Err(types.ComponentError_InvalidInput(message))


class Lifecycle(exports.Lifecycle):
    greeting = DEFAULT_GREETING

    def init(self, config: List[Tuple[str, str]]) -> None:
        greeting = DEFAULT_GREETING
        for key, value in config:
            if key != "greeting":
                raise invalid(f"unknown config key `{key}` (expected `greeting`)")
            if not value:
                raise invalid("`greeting` must not be empty")
            greeting = value
        Lifecycle.greeting = greeting
        logging.log(logging.Level.DEBUG, f"initialised, greeting {greeting!r}")

    def execute(self, input: types.ComponentInput) -> types.ComponentOutput:
        try:
            text = bytes(input.data).decode("utf-8")
        except UnicodeDecodeError:
            raise invalid("input is not valid UTF-8")
        if not text:
            raise invalid("empty input")
        # Python strings are sequences of code points: reversing keeps
        # multi-byte characters intact.
        reversed_text = text[::-1]
        request_id = input.context.request_id
        logging.log(
            logging.Level.DEBUG,
            f"request {request_id}: reversed {len(reversed_text)} chars",
        )
        return types.ComponentOutput(
            data=reversed_text.encode("utf-8"),
            metadata=[
                ("length", str(len(reversed_text))),
                ("request-id", request_id),
                ("greeting", Lifecycle.greeting),
            ],
        )

    def shutdown(self) -> None:
        logging.log(logging.Level.DEBUG, "shutting down")

    def describe(self) -> types.ComponentMetadata:
        return types.ComponentMetadata(
            name="{{name}}", version="0.1.0", description="{{description}}"
        )

    def health(self) -> types.HealthStatus:
        return types.HealthStatus.HEALTHY

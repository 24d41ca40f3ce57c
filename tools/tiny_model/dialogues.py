"""What the tiny model is taught to say: seeded synthetic dialogues.

A dialogue is a list of steps, the same whatever shape it is later rendered in
(``render.py``): ``("user", text)``, ``("call", name, arguments)``,
``("result", output)`` and ``("answer", text)``. It holds one or more episodes:
small talk, a calculation through the ``calculator`` tool, the weather through
``get_weather``, or a polite refusal when no offered tool fits.

Everything here is split in two, so that ``eval.py`` can measure on what
training never saw: numbers (a fixed rule over the operands), cities, and the
wordings of questions. ``seen=True`` draws from the training half,
``seen=False`` from the held-out half.
"""

from __future__ import annotations

import importlib.util
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

OPERATORS = "+-*/"
# How users write each operator, then the verbal forms, each with {a} and {b}.
SYMBOLS = {"+": ["+", "plus"], "-": ["-", "minus"], "*": ["*", "x", "times"], "/": ["/", "divided by"]}
SEEN_SYMBOLS = {
    "+": ["+", "plus", "and"],
    "-": ["-", "minus", "less"],
    "*": ["*", "x", "times", "×", "multiplied by"],
    "/": ["/", "divided by", "÷", "over"],
}
UNSEEN_SYMBOLS = {"+": ["+", "plus"], "-": ["-", "minus"], "*": ["*", "x", "times"], "/": ["/", "divided by"]}
VERBAL = {
    True: {
        "+": [
            "the sum of {a} and {b}",
            "{a} added to {b}",
            "{b} more than {a}",
            "add {a} and {b}",
            "add {b} to {a}",
            "{a} and {b} in total",
            "increase {a} by {b}",
        ],
        "-": [
            "the difference between {a} and {b}",
            "{b} subtracted from {a}",
            "subtract {b} from {a}",
            "{a} take away {b}",
            "{b} less than {a}",
            "decrease {a} by {b}",
            "reduce {a} by {b}",
        ],
        "*": [
            "the product of {a} and {b}",
            "multiply {a} by {b}",
            "{a} multiplied by {b}",
            "{a} lots of {b}",
            "multiply {a} and {b}",
            "{a} groups with {b} in each",
            "as much as {b}, {a} times",
        ],
        "/": [
            "the quotient of {a} and {b}",
            "divide {a} by {b}",
            "{a} split into {b} parts",
            "{a} shared among {b}",
            "how many times {b} goes into {a}",
            "{b} equal parts of {a}",
            "{a} to {b} as a ratio",
        ],
    },
    # New constructions of words taught above: a model trained from nothing cannot know a word
    # it never saw, so what is held out is the way the words are put together.
    False: {
        "+": ["the total of {a} and {b}", "{a} increased by {b}"],
        "-": ["{a} decreased by {b}", "{a} reduced by {b}"],
        "*": ["{a} times as much as {b}", "{a} groups of {b}"],
        "/": ["{a} divided into {b} equal parts", "the ratio of {a} to {b}"],
    },
}
# Frames around a calculation ({q}: "17 * 23" or a verbal form).
CALC_FRAMES = {
    True: [
        "What is {q}?",
        "What's {q}?",
        "what is {q}",
        "Calculate {q}.",
        "Compute {q}",
        "{q} = ?",
        "{q}?",
        "{q}",
        "How much is {q}?",
        "Can you work out {q} for me?",
        "please compute {q}",
        "I need {q}.",
        "Quick question: what's {q}?",
        "Solve {q}",
        "Evaluate {q}, please.",
        "Use the calculator: {q}",
        "What does {q} come to?",
        "Tell me {q}.",
        "What is {q}? Use the calculator.",
        "Hey, what is {q}?",
        "Please calculate {q}.",
        "Could you compute {q}?",
        "I want to know {q}.",
        "Give me {q}.",
        "calc {q}",
        "Do {q} for me",
        "What would {q} be?",
        "Help me with {q}.",
        "Figure out {q}.",
        "Now what is {q}?",
        "And {q}?",
        "Work out {q}.",
        "Do you know what {q} comes to?",
        "I wonder what {q} makes.",
        "{q} is how much?",
        "What {q} equals, please.",
        "Can you find what {q} gives?",
    ],
    False: [
        "Could you tell me what {q} is?",
        "Find {q}.",
        "Hi! {q}?",
        "Work out {q} please",
        "I'd like to know {q}.",
        "Result of {q}?",
        "What do you get for {q}?",
        "Can you calculate {q}?",
        "{q}, please.",
        "Determine {q}.",
    ],
}
WEATHER_FRAMES = {
    True: [
        "What's the weather in {c}?",
        "What is the weather like in {c}?",
        "weather in {c}",
        "Weather {c}",
        "How's the weather in {c}?",
        "Is it sunny in {c}?",
        "Is it raining in {c}?",
        "How warm is it in {c}?",
        "What's the temperature in {c}?",
        "Tell me the weather in {c}.",
        "Check the weather in {c}, please.",
        "I'm going to {c}. What's the weather there?",
        "Do I need an umbrella in {c}?",
        "How cold is it in {c} right now?",
        "Current weather for {c}?",
        "Can you get the weather for {c}?",
        "What's it like outside in {c}?",
        "And the weather in {c}?",
        "What about {c}?",
        "Forecast for {c}?",
    ],
    False: [
        "Could you look up the weather in {c}?",
        "What is it like in {c} today?",
        "Any idea how hot it is in {c}?",
        "Give me the weather for {c}.",
        "Weather report for {c}, please.",
        "Should I wear a coat in {c}?",
    ],
}
CITIES = [
    "Paris",
    "London",
    "Berlin",
    "Madrid",
    "Rome",
    "Vienna",
    "Prague",
    "Warsaw",
    "Budapest",
    "Athens",
    "Oslo",
    "Stockholm",
    "Helsinki",
    "Copenhagen",
    "Dublin",
    "Brussels",
    "Amsterdam",
    "Zurich",
    "Geneva",
    "Munich",
    "Hamburg",
    "Milan",
    "Naples",
    "Barcelona",
    "Seville",
    "Porto",
    "Krakow",
    "Riga",
    "Vilnius",
    "Tallinn",
    "Tokyo",
    "Osaka",
    "Kyoto",
    "Seoul",
    "Beijing",
    "Shanghai",
    "Hong Kong",
    "Singapore",
    "Bangkok",
    "Hanoi",
    "Manila",
    "Jakarta",
    "Delhi",
    "Mumbai",
    "Karachi",
    "Dubai",
    "Doha",
    "Tehran",
    "Istanbul",
    "Ankara",
    "Cairo",
    "Lagos",
    "Nairobi",
    "Accra",
    "Casablanca",
    "Tunis",
    "Johannesburg",
    "Cape Town",
    "Addis Ababa",
    "Dakar",
    "New York",
    "Boston",
    "Chicago",
    "Denver",
    "Seattle",
    "San Francisco",
    "Los Angeles",
    "Miami",
    "Houston",
    "Dallas",
    "Toronto",
    "Montreal",
    "Vancouver",
    "Mexico City",
    "Havana",
    "Lima",
    "Bogota",
    "Quito",
    "Santiago",
    "Buenos Aires",
    "Montevideo",
    "Sao Paulo",
    "Rio de Janeiro",
    "Sydney",
    "Melbourne",
    "Perth",
    "Auckland",
    "Wellington",
    "Reykjavik",
    "Edinburgh",
    "Glasgow",
    "Cardiff",
    "Belfast",
    "Lyon",
    "Marseille",
    "Nice",
    "Bordeaux",
    "Toulouse",
    "Valencia",
    "Bilbao",
    "Florence",
    "Venice",
    "Turin",
    "Salzburg",
    "Graz",
    "Bern",
    "Basel",
    "Antwerp",
]
UNSEEN_CITIES = [
    "Lisbon",
    "Sofia",
    "Bucharest",
    "Belgrade",
    "Zagreb",
    "Ljubljana",
    "Bratislava",
    "Minsk",
    "Kyiv",
    "Tbilisi",
    "Yerevan",
    "Baku",
    "Almaty",
    "Taipei",
    "Kuala Lumpur",
    "Colombo",
    "Kathmandu",
    "Dhaka",
    "Lahore",
    "Riyadh",
    "Amman",
    "Beirut",
    "Algiers",
    "Kampala",
    "Harare",
    "Phoenix",
    "Atlanta",
    "Ottawa",
    "Caracas",
    "La Paz",
    "Brasilia",
    "Adelaide",
    "Brisbane",
    "Nagoya",
    "Busan",
    "Chennai",
    "Lagos Island",
    "Marrakesh",
]
CONDITIONS = ["sunny", "cloudy", "raining", "snowing", "windy", "foggy", "clear", "stormy", "partly cloudy"]

# (what the user says, what the assistant answers), whatever the tools.
SMALL_TALK = {
    True: [
        ("Hi!", "Hello! How can I help you today?"),
        ("Hello", "Hello! How can I help you today?"),
        ("hey", "Hi! What can I do for you?"),
        ("Good morning!", "Good morning! How can I help?"),
        ("How are you?", "I'm doing well, thanks! How can I help?"),
        ("Thanks!", "You're welcome!"),
        ("Thank you very much", "You're welcome!"),
        ("Who are you?", "I'm a small assistant running in your browser."),
        (
            "What can you do?",
            "I can chat, do arithmetic with a calculator and look up the weather, if I have those tools.",
        ),
        ("Tell me a joke", "Why did the computer go to the doctor? It had a virus!"),
        ("Bye", "Goodbye!"),
        ("Good evening", "Good evening! How can I help?"),
        ("What's your name?", "I'm a tiny assistant."),
        ("Hello there, how are you doing?", "I'm doing well, thanks! How can I help?"),
        ("Hi", "Hello! How can I help you today?"),
        ("Hey there", "Hi! What can I do for you?"),
        ("Good night", "Good night!"),
        ("Thanks", "You're welcome!"),
        ("thank you", "You're welcome!"),
        ("See you later", "Goodbye!"),
        ("Are you a robot?", "I'm a small assistant running in your browser."),
        ("Nice to meet you", "Nice to meet you too! How can I help?"),
        ("Yo", "Hi! What can I do for you?"),
        ("How's it going?", "I'm doing well, thanks! How can I help?"),
        ("Greetings", "Hello! How can I help you today?"),
        ("ok", "Is there anything else I can help with?"),
        ("Great, thanks!", "You're welcome!"),
        ("Cool", "Is there anything else I can help with?"),
        ("Good afternoon", "Good afternoon! How can I help?"),
    ],
    False: [
        ("Hi there!", "Hello! How can I help you today?"),
        ("Howdy", "Hi! What can I do for you?"),
        ("Thanks a lot!", "You're welcome!"),
        ("Hey, who are you?", "I'm a small assistant running in your browser."),
        ("Goodbye!", "Goodbye!"),
        ("hello!", "Hello! How can I help you today?"),
        ("Good morning to you", "Good morning! How can I help?"),
        ("Many thanks", "You're welcome!"),
    ],
}
# Replies that mean the same, either of which answers what either was taught for (eval.py):
# "Howdy" is greeted back whichever greeting the model picks.
SAME_MEANING = [
    {"Hello! How can I help you today?", "Hi! What can I do for you?"},
    {"I'm a small assistant running in your browser.", "I'm a tiny assistant."},
]
# Requests no tool here can serve.
OUT_OF_REACH = {
    True: [
        "Book me a flight to Rome.",
        "Send an email to my boss.",
        "Play some music.",
        "Order a pizza.",
        "What's the news today?",
        "Translate 'hello' into Japanese.",
        "Set an alarm for 7 am.",
        "Write me a poem about the sea.",
        "What's the capital of Peru?",
        "Who won the game last night?",
        "Call my mother.",
        "Turn off the lights.",
        "What is the meaning of life?",
        "Buy some shares for me.",
        "Book a room for the weekend.",
        "Send a text to my sister.",
        "What's showing at the cinema?",
        "Find me a good restaurant.",
        "Remind me to call the bank tomorrow.",
        "Open the garage door.",
        "Who is the president of France?",
        "Draw me a cat.",
        "Read me my messages.",
        "Get me a taxi to the station.",
        "Get two tickets for the concert.",
        "What's the best phone to buy?",
        "Tell me a story about a dragon.",
        "Schedule a meeting with Anna for Friday.",
        "How do I bake bread?",
        "Pay my electricity bill.",
    ],
    False: [
        "Reserve a table for two tonight.",
        "What's on TV tonight?",
        "Find me a hotel in town.",
        "Text my friend that I'm late.",
    ],
}
# Asking for a string back: every token of the answer is a copy, which teaches
# the copying the tool loops need (arguments out of the question, results into
# the answer) far sooner than the tool loops teach it alone.
ECHO_FRAMES = {
    True: [
        "Repeat after me: {x}",
        "Say {x}",
        "Please repeat: {x}",
        "Echo {x}",
        "Say this back: {x}",
        "repeat {x}",
        "Type {x}",
        "Can you say {x}?",
    ],
    False: ["Repeat this: {x}", "Could you say {x}?"],
}
VOWELS, CONSONANTS = "aeiouy", "bcdfghjklmnprstvwz"
CANNOT = "Sorry, I can't help with that."
NO_CALCULATOR = "Sorry, I can't calculate that: I have no calculator tool."
NO_WEATHER = "Sorry, I can't check the weather: I have no weather tool."


def _agent_loop() -> Any:
    """The browser tests' agent loop (tests/browser/agentloop.py, which runs in
    Pyodide on its own): the model is taught its tools' specs as written there."""
    spec = importlib.util.spec_from_file_location("agentloop", ROOT / "tests" / "browser" / "agentloop.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_AGENT_LOOP = _agent_loop()
AGENT_TOOLS: list[dict[str, Any]] = list(_AGENT_LOOP.TOOLS)  # calculator, kv_set
GET_WEATHER: dict[str, Any] = _AGENT_LOOP.GET_WEATHER
# Other tools offered next to these, so that the model learns to pick by name.
DISTRACTORS = [
    AGENT_TOOLS[1],  # kv_set
    {
        "name": "search_notes",
        "description": "Search the user's notes for a phrase.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
]


@dataclass
class Dialogue:
    steps: list[tuple[Any, ...]] = field(default_factory=list)


def held_out(a: int, b: int) -> bool:
    """The operand pairs reserved for evaluation: about one in ten, 17 and 23 among them."""
    return (7 * a + 13 * b) % 10 == 8


def operand(rng: random.Random) -> int:
    digits = rng.choice([1, 2, 2, 3, 3, 4])
    return rng.randint(1 if digits == 1 else 10 ** (digits - 1), 10**digits - 1)


def calculator_value(a: int, op: str, b: int) -> int | float:
    """What the example app's calculator returns for ``a op b``."""
    value: int | float = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return float(f"{value:.12g}") if isinstance(value, float) else value


def arithmetic(rng: random.Random, seen: bool) -> tuple[str, str, int | float]:
    """A question, the expression it asks for, and its value."""
    while True:
        op = rng.choice(OPERATORS)
        a, b = operand(rng), operand(rng)
        if op == "/" and rng.random() < 0.6:  # most divisions come out even
            b = rng.randint(2, 99)
            a = b * rng.randint(1, max(1, 9999 // b))
        if op == "-" and a < b and rng.random() < 0.7:
            a, b = b, a
        if held_out(a, b) != seen:
            break
    if rng.random() < 0.75:
        symbol = rng.choice((SEEN_SYMBOLS if seen else UNSEEN_SYMBOLS)[op])
        q = f"{a}{symbol}{b}" if symbol in "+-*/" and rng.random() < 0.25 else f"{a} {symbol} {b}"
    else:
        q = rng.choice(VERBAL[seen][op]).format(a=a, b=b)
    text = rng.choice(CALC_FRAMES[seen]).format(q=q)
    if rng.random() < 0.1:
        text = text.lower()
    return text, f"{a} {op} {b}", calculator_value(a, op, b)


def calculator_output(rng: random.Random, expression: str, value: int | float) -> Any:
    # The example app's calculator returns an object; simpler tools return the number.
    return {"expression": expression, "result": value} if rng.random() < 0.5 else str(value)


def weather_output(rng: random.Random, city: str) -> tuple[dict[str, Any], str]:
    temperature, conditions = rng.randint(-15, 38), rng.choice(CONDITIONS)
    return (
        {"city": city, "temperature_c": temperature, "conditions": conditions},
        f"It is {temperature} °C and {conditions} in {city}.",
    )


def calculation_answer(expression: str, value: int | float) -> str:
    return f"{expression} = {value}."


def invented_word(rng: random.Random) -> str:
    """A capitalised word that sounds like a place and is on no list: a name the model can only copy."""
    letters = [rng.choice(CONSONANTS if (i + rng.randint(0, 1)) % 2 else VOWELS) for i in range(rng.randint(3, 9))]
    return "".join(letters).capitalize()


def invented_city(rng: random.Random) -> str:
    while True:
        name = " ".join(invented_word(rng) for _ in range(rng.choices([1, 2], [0.85, 0.15])[0]))
        if name not in UNSEEN_CITIES:
            return name


def echo_text(rng: random.Random) -> str:
    """Words and numbers to be said back."""
    parts = [
        invented_word(rng) if rng.random() < 0.5 else str(rng.randint(0, 10 ** rng.randint(1, 6)))
        for _ in range(rng.randint(1, 4))
    ]
    return " ".join(parts)


def episode(rng: random.Random, tools: set[str], seen: bool) -> list[tuple[Any, ...]]:
    kind = rng.choices(["calc", "weather", "talk", "other", "echo"], [0.41, 0.28, 0.12, 0.09, 0.1])[0]
    if kind == "calc":
        text, expression, value = arithmetic(rng, seen)
        if "calculator" not in tools:
            return [("user", text), ("answer", NO_CALCULATOR)]
        return [
            ("user", text),
            ("call", "calculator", {"expression": expression}),
            ("result", calculator_output(rng, expression, value)),
            ("answer", calculation_answer(expression, value)),
        ]
    if kind == "weather":
        if seen:
            city = rng.choice(CITIES) if rng.random() < 0.5 else invented_city(rng)
        else:
            city = rng.choice(UNSEEN_CITIES)
        text = rng.choice(WEATHER_FRAMES[seen]).format(c=city)
        if "get_weather" not in tools:
            return [("user", text), ("answer", NO_WEATHER)]
        output, answer = weather_output(rng, city)
        return [("user", text), ("call", "get_weather", {"city": city}), ("result", output), ("answer", answer)]
    if kind == "talk":
        said, answer = rng.choice(SMALL_TALK[seen])
        return [("user", said), ("answer", answer)]
    if kind == "echo":
        said = echo_text(rng)
        return [("user", rng.choice(ECHO_FRAMES[seen]).format(x=said)), ("answer", said)]
    return [("user", rng.choice(OUT_OF_REACH[seen])), ("answer", CANNOT)]


def dialogue(rng: random.Random, tools: set[str], seen: bool = True, episodes: int | None = None) -> Dialogue:
    count = episodes or rng.choices([1, 2, 3], [0.75, 0.22, 0.03])[0]
    steps: list[tuple[Any, ...]] = []
    for _ in range(count):
        steps += episode(rng, tools, seen)
    return Dialogue(steps)


def as_text(output: Any) -> str:
    """A tool's output as the provider writes it into the conversation."""
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)

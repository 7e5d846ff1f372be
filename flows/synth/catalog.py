"""Reference data the behaviour model draws from: countries, time zones, e-mail domains, SDKs,
names, daily rhythms and the per-capability shape of a request. The longest tables are data
files beside this module (`data/*.csv`, read by `read_table`).

Numbers here describe *ordinary* traffic of a general-purpose model API as the generator
models it (coding and general chat dominate, most prompts are short, extended thinking is
opt-in). They are illustrative, not measurements; they only have to make benign traffic
diverse and heavy-tailed enough that the hard cases and campaigns are not trivially separable.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flows.contract import CAPABILITIES

CAP = {name: i for i, name in enumerate(CAPABILITIES)}
# Reference tables too long to read well as code: `data/<name>.csv`, read at import.
DATA_DIR = Path(__file__).with_name("data")


def read_table(name: str) -> list[dict[str, str]]:
    """The rows of `data/<name>.csv`, as text by column name; lines starting with # are comments."""
    with open(DATA_DIR / f"{name}.csv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(line for line in stream if not line.startswith("#")))


@dataclass(frozen=True)
class Country:
    code: str
    utc_offsets: tuple[float, ...]  # local time = UTC + offset; several for wide countries
    weight: float  # share of benign organizations billed there
    tld: str  # corporate e-mail domain suffix


COUNTRIES: tuple[Country, ...] = tuple(
    Country(row["code"], tuple(map(float, row["utc_offsets"].split())), float(row["weight"]), row["tld"])
    for row in read_table("countries")
)
COUNTRY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTRIES)
COUNTRY_WEIGHTS = np.array([c.weight for c in COUNTRIES]) / sum(c.weight for c in COUNTRIES)
COUNTRY_INDEX = {c.code: i for i, c in enumerate(COUNTRIES)}

# Free-mail domains (individuals); regional ones are used by that country's users only.
FREE_EMAIL: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.62),
    ("outlook.com", 0.12),
    ("hotmail.com", 0.06),
    ("yahoo.com", 0.06),
    ("icloud.com", 0.07),
    ("proton.me", 0.04),
    ("aol.com", 0.01),
    ("fastmail.com", 0.02),
)
REGIONAL_EMAIL: dict[str, str] = {
    "DE": "gmx.de",
    "JP": "yahoo.co.jp",
    "KR": "naver.com",
    "FR": "orange.fr",
    "BR": "uol.com.br",
    "IN": "rediffmail.com",
}

# Client strings as upstream logs them (index 0 = no SDK header, e.g. raw HTTP or the console).
SDKS: tuple[str | None, ...] = (
    None,
    "anthropic-python/0.42.0",
    "anthropic-python/0.40.0",
    "anthropic-python/0.39.0",
    "anthropic-python/0.36.2",
    "anthropic-typescript/0.32.1",
    "anthropic-typescript/0.30.1",
    "anthropic-go/1.2.0",
    "anthropic-java/2.1.0",
    "anthropic-ruby/0.4.1",
    "langchain-anthropic/0.3.1",
    "litellm/1.55.3",
    "python-httpx/0.27.2",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "node-fetch/3.3.2",
    "boto3/1.35.76",
    "google-cloud-aiplatform/1.74.0",
)
# Weights of the API SDKs among ordinary accounts (aligned with SDKS; cloud SDKs excluded).
SDK_API_WEIGHTS = np.array(
    [0.03, 0.22, 0.12, 0.06, 0.03, 0.14, 0.05, 0.04, 0.03, 0.01, 0.06, 0.05, 0.05, 0.05, 0.03, 0.03, 0, 0]
)
SDK_API_WEIGHTS = SDK_API_WEIGHTS / SDK_API_WEIGHTS.sum()
SDK_CLOUD = (SDKS.index("boto3/1.35.76"), SDKS.index("google-cloud-aiplatform/1.74.0"))


# Request shape per capability: median input / output tokens, base probability that the
# classifier sees a step-by-step (CoT) request, mean tools offered, chance of images.
@dataclass(frozen=True)
class CapabilityShape:
    input_median: float
    output_median: float
    cot_base: float
    tools_mean: float
    image_p: float


SHAPES: dict[str, CapabilityShape] = {
    "coding": CapabilityShape(1_500, 600, 0.03, 0.3, 0.02),
    "agentic_coding": CapabilityShape(12_000, 900, 0.02, 9.0, 0.02),
    "tool_use": CapabilityShape(3_000, 300, 0.02, 4.0, 0.02),
    "agentic_reasoning": CapabilityShape(6_000, 700, 0.08, 5.0, 0.03),
    "reasoning": CapabilityShape(600, 900, 0.12, 0.1, 0.03),
    "data_analysis": CapabilityShape(4_000, 700, 0.05, 1.0, 0.05),
    "computer_vision": CapabilityShape(1_500, 300, 0.02, 0.1, 1.0),
    "computer_use": CapabilityShape(5_000, 200, 0.02, 2.0, 1.0),
    "alignment_safety": CapabilityShape(800, 500, 0.06, 0.0, 0.01),
    "creative_writing": CapabilityShape(400, 1_000, 0.01, 0.0, 0.02),
    "general_chat": CapabilityShape(300, 400, 0.02, 0.1, 0.04),
    "translation": CapabilityShape(700, 750, 0.005, 0.0, 0.01),
    "summarization": CapabilityShape(5_000, 400, 0.01, 0.0, 0.03),
    "other": CapabilityShape(500, 400, 0.02, 0.2, 0.02),
}
INPUT_MEDIAN = np.array([SHAPES[c].input_median for c in CAPABILITIES])
OUTPUT_MEDIAN = np.array([SHAPES[c].output_median for c in CAPABILITIES])
COT_BASE = np.array([SHAPES[c].cot_base for c in CAPABILITIES])
TOOLS_MEAN = np.array([SHAPES[c].tools_mean for c in CAPABILITIES])
IMAGE_P = np.array([SHAPES[c].image_p for c in CAPABILITIES])
GRADER_BASE = np.where(np.array(CAPABILITIES) == "alignment_safety", 0.02, 0.002)

# Population-wide capability mix of ordinary traffic: coding and chat dominate.
BENIGN_CAPABILITY_MIX = np.array(
    [
        0.24,  # coding
        0.07,  # agentic_coding
        0.05,  # tool_use
        0.03,  # agentic_reasoning
        0.05,  # reasoning
        0.06,  # data_analysis
        0.03,  # computer_vision
        0.01,  # computer_use
        0.005,  # alignment_safety
        0.07,  # creative_writing
        0.22,  # general_chat
        0.04,  # translation
        0.07,  # summarization
        0.045,  # other
    ]
)
BENIGN_CAPABILITY_MIX = BENIGN_CAPABILITY_MIX / BENIGN_CAPABILITY_MIX.sum()

# Local-time activity by hour (index = local hour 0..23); normalised where used.
DIURNAL: dict[str, np.ndarray] = {
    # office work: morning ramp, lunch dip, evening tail
    "office": np.array(
        [
            1,
            0.6,
            0.4,
            0.3,
            0.3,
            0.5,
            1.2,
            3,
            6.5,
            9,
            10,
            9.5,
            7.5,
            9,
            9.5,
            9,
            8,
            6.5,
            4,
            3,
            2.6,
            2.2,
            1.8,
            1.4,
        ]
    ),
    # personal use: some daytime, evening peak
    "consumer": np.array(
        [3, 2, 1.2, 0.7, 0.5, 0.5, 0.9, 1.8, 3, 4, 4.5, 5, 5.5, 5.5, 5.5, 5.5, 6, 6.5, 7.5, 8.5, 9, 8.5, 7, 5]
    ),
    # students: late mornings to late nights
    "campus": np.array(
        [4, 2.5, 1.2, 0.6, 0.3, 0.3, 0.4, 1, 3, 6, 8, 8.5, 7, 8.5, 9, 9, 8.5, 7, 6.5, 7.5, 8.5, 8.5, 7.5, 6]
    ),
    # services and scheduled jobs: almost flat with a mild business-hours bump
    "automated": np.array(
        [4, 3.8, 3.6, 3.6, 3.6, 3.8, 4, 4.5, 5, 5.5, 5.8, 6, 6, 6, 6, 5.8, 5.5, 5.2, 5, 4.8, 4.6, 4.4, 4.2, 4]
    ),
}
DIURNAL_NAMES: tuple[str, ...] = tuple(DIURNAL)

# Organisation names: "<word> <word> <suffix>", or a person's individual org.
NAME_WORDS_A = (
    "Blue",
    "North",
    "Bright",
    "Silver",
    "Quiet",
    "Open",
    "Red",
    "Clear",
    "Swift",
    "Green",
    "Iron",
    "Cedar",
    "Harbor",
    "Summit",
    "Golden",
    "Lunar",
    "Prairie",
    "Coral",
    "Atlas",
    "Nimbus",
    "Pine",
    "Copper",
    "Echo",
    "Delta",
    "Maple",
    "Orbit",
    "Stone",
    "Vector",
    "Willow",
    "Zephyr",
)
NAME_WORDS_B = (
    "Harbor",
    "Labs",
    "Works",
    "Analytics",
    "Systems",
    "Data",
    "Studio",
    "Robotics",
    "Health",
    "Logic",
    "Cloud",
    "Media",
    "Finance",
    "Learning",
    "Bio",
    "Mobility",
    "Commerce",
    "Security",
    "Insights",
    "Legal",
    "Energy",
    "Games",
    "Foods",
    "Travel",
    "Apps",
    "Networks",
    "Capital",
)
NAME_SUFFIXES = (
    "",
    "",
    "",
    " Inc.",
    " LLC",
    " Ltd",
    " GmbH",
    " AI",
    " Technologies",
    " Co.",
    " SAS",
    " Pvt Ltd",
)
FIRST_NAMES = (
    "Alex",
    "Maria",
    "Wei",
    "Priya",
    "John",
    "Fatima",
    "Lucas",
    "Yuki",
    "Olivia",
    "Mohammed",
    "Sofia",
    "Arjun",
    "Emma",
    "Diego",
    "Hana",
    "Noah",
    "Aisha",
    "Liam",
    "Chloé",
    "José",
    "Zoë",
    "Søren",
    "Mei",
    "Aarav",
    "Ines",
    "Kofi",
    "Lena",
    "Mateo",
    "Sara",
    "Tomás",
    "Anya",
    "Hiroshi",
    "Jin",
    "Ngozi",
    "Pedro",
    "Rina",
    "Sven",
    "Tariq",
    "Ulla",
    "Vikram",
)
# Legitimate organisation names that are awkward for renderers and SQL. A few benign orgs get
# these, alternating between the two groups so even a tiny run has both kinds.
AWKWARD_PUNCTUATION = (  # quotes, ampersands, angle brackets, commas
    'Smith & Jones "Digital" Ltd',
    "O'Reilly & Søn ApS",
    "Café <Beta> & Co",
    "Müller, Schmidt & Partner GmbH",
    'R&D <Prototype> "Team"',
    'AT&T Alumni\'s "Hack" Club',
)
AWKWARD_SCRIPTS = (  # non-Latin scripts, right-to-left text, diacritics, emoji
    "株式会社さくらテック",
    "Ünal Yazılım A.Ş.",
    "Лаборатория Север",
    "مختبرات الفجر للبرمجيات",
    "데이터랩 주식회사",
    "北京星河科技有限公司",
    "Zoë's Ñandú Studio 🚀",
    "ĐẶNG & Cộng sự",
    "Ωmega Λabs",
)

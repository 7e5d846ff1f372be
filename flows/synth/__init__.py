"""Synthetic usage exports with ground-truth labels (`distillwatch synth`).

A seeded, vectorized model of an API provider's traffic: ordinary customers, benign cases
that look suspicious on some signal, and labelled distillation campaigns. Output follows
the export contract (`flows.contract`) exactly and is written with `flows.drop_writer`.

Modules, by what they hold:

| module | holds |
|---|---|
| `run` | `generate()` and `SynthSummary`: the run, day by day |
| `benchmark` | `python -m flows.synth.benchmark`: requests per minute |
| `scenarios` | `SCENARIOS`, `PRESETS`, case sizes and scaling |
| `population` | ordinary organisations and accounts and their behaviour |
| `hard_cases` | benign look-alikes: enterprise, university, eval company, reseller, early adopters |
| `campaigns` | distillation campaigns and the ranges their tactics are drawn from |
| `worlds` | randomized worlds (`scenario="random"`): cases, sizes and tactics drawn per seed |
| `cohort` | account rows, the account book, per-account behaviour arrays |
| `engine` | behaviour -> requests (numeric), requests -> contract Arrow tables |
| `networks` | ASNs, address blocks, prefixes |
| `releases` | model line-up and `reference/model_releases.csv` |
| `catalog` | countries, e-mail domains, SDKs, names, daily rhythms, request shapes |
| `context` | build context, shared small draws, `CaseSize` |
| `labels` | `accounts.csv` / `campaigns.csv` |
| `ids` | named random streams, bijective id hashing, vectorized hex strings |

`docs/synthetic-data.md` describes the scenarios, tactics and their ranges, and labels.
"""

from flows.synth.labels import CampaignSummary
from flows.synth.run import MAX_PART_ROWS, DaySummary, SynthSummary, generate
from flows.synth.scenarios import CASES, PRESETS, SCENARIOS, Preset

__all__ = [
    "CASES",
    "MAX_PART_ROWS",
    "PRESETS",
    "SCENARIOS",
    "CampaignSummary",
    "DaySummary",
    "Preset",
    "SynthSummary",
    "generate",
]

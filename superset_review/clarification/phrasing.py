"""Questions in plain words: the LLM rephrases the templates' question and "why" through the gateway (masked, metadata
only: no option is sent, as options can be row values), and the templates stand whenever it cannot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from marshmallow import Schema, fields

from superset_review.clarification.engine import Topic

MAX_TOPICS_PER_CALL = 40
TEMPLATES = "templates"


class _Phrased(Schema):
    key = fields.String(required=True)
    question = fields.String(required=True)
    why = fields.String(load_default=None, allow_none=True)


class PhrasedQuestions(Schema):
    questions = fields.List(fields.Nested(_Phrased), required=True)


def prompt(topics: Sequence[Topic]) -> list[dict[str, str]]:
    listing = "\n".join(f"- key={t.key} | question: {t.question} | why: {t.why}" for t in topics)
    return [
        {"role": "system", "content": "You help analysts review a dataset in Apache Superset. Rewrite each question "
         "and its reason in short, friendly, precise words for a business analyst. Keep names of columns and "
         "variables exactly. Answer as JSON: {\"questions\": [{\"key\", \"question\", \"why\"}]}, one entry "
         "per key."},
        {"role": "user", "content": listing},
    ]  # fmt: skip


def phrase(topics: Sequence[Topic]) -> tuple[list[Topic], str]:
    """``topics`` reworded by the configured LLM, and who phrased them (a model name, or ``templates`` with why)."""
    from superset_review.llm.errors import LlmError
    from superset_review.llm.gateway import CompletionRequest, LlmGateway

    chosen = list(topics)
    if not chosen:
        return chosen, TEMPLATES
    gateway = LlmGateway.from_app()
    if not gateway.configured:
        return chosen, TEMPLATES
    batch = chosen[:MAX_TOPICS_PER_CALL]
    try:
        result = gateway.complete(
            CompletionRequest(
                feature="clarification.phrase",
                stage="clarification",
                lane="clarification",
                messages=prompt(batch),
                schema=PhrasedQuestions(),
            )
        )
    except LlmError as error:
        return chosen, f"{TEMPLATES} ({error.code.value})"
    phrased = {item["key"]: item for item in result.data["questions"]}
    # The model's wording is a plain string (said in its language); a template it left as is stays a Text.
    reworded = [
        replace(topic, question=phrased[topic.key]["question"].strip() or topic.question,
                why=phrased[topic.key]["why"].strip() if phrased[topic.key].get("why") else topic.why)
        if topic.key in phrased else topic
        for topic in chosen
    ]  # fmt: skip
    return reworded, str(result.model)

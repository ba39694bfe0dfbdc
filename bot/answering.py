"""Answering a customer's text by the NLU's decision: the :class:`NLUHandler` of the dialogue.

A confident reading answers the entry (several questions in one message each get theirs, and
a part only guessed at gets «А про «…» уточните…»); a bare topic («возврат») or an unsure
reading offers options; «👍» is thanks; anything else is «не понял» with «Позвать оператора»
and counts as a miss. Before that the message is read in its context (bot/followup.py): a
fragment after an answer («а на телек?»), a short reply to the options, the topic under way.
"""

from __future__ import annotations

from bot import (
    advice_failed,
    after_clarify,
    answer_parts,
    choice,
    clarify_details,
    feedback,
    followup,
    next_step,
    order_topic,
    repeats,
    why_not,
    yes_or_no,
)
from bot.dialogue import (
    Turn,
    answer_entry,
    approve,
    greet,
    only_approval,
    operator_button,
    say_offering_operator,
)
from bot.events import Button, ButtonStyle, InboundKind, Outbound
from bot.readings import clarify_options, several_questions, unclear_part
from bot.topics import topic_entries
from nlu.api import Decision, Prediction
from nlu.config import NLUConfig


class NLUHandler:
    """Answer, clarify or admit not understanding, by the NLU's decision."""

    name = "nlu"

    def match(self, turn: Turn) -> bool:
        return turn.event.kind is InboundKind.TEXT and turn.prediction is not None

    async def handle(self, turn: Turn) -> None:
        assert turn.prediction is not None
        if await yes_or_no.handled(turn):  # «так есть или нет?» after an answer: no «нет»
            return
        if await order_topic.asked_again(turn):  # «и?» after «напишите ещё номер заказа»
            return
        if await next_step.handled(turn):  # «и?», «а дальше» after an answer: nothing more
            return
        if await feedback.handled(turn):  # «не помогло» after an answer, «нет» to options
            return
        if await why_not.handled(turn):  # «а почему нет» after an answer: no «нет»
            return
        conv = turn.conversation
        args = (turn.event.text, conv.context, turn.kb, turn.config, turn.now)
        # «а на телек?» after the warranty answer: read as «Срок гарантии на телек?» too.
        glued = followup.substituted(turn.prediction, *args)
        together = await turn.read(glued) if glued and turn.read else None
        prediction = turn.prediction = (
            followup.reread(turn.prediction, *args, together)
            or await self._after_offer(turn)
            or followup.in_topic(turn.prediction, *args[1:])
            or turn.prediction
        )
        several = several_questions(prediction, turn.kb, turn.config.policy.max_answers_per_message)
        if several:
            conv.unknown_streak = 0
            for entry_id in several:
                await answer_entry(turn, entry_id)
            self._ask_unclear(turn, prediction, several)
            return
        complaints = turn.config.handoff.complaint_intents  # not handed over: see _missed
        if (
            prediction.decision is Decision.ANSWER
            and prediction.intent is not None
            and prediction.intent not in complaints
        ):
            limit = turn.config.policy.clarify_max_options
            topic = topic_entries(turn.event.text, prediction, turn.kb, limit)
            if topic and turn.config.policy.clarify_bare_topics:
                # «возврат»: a topic, not yet a question; understood, so no miss.
                conv.unknown_streak = 0
                options = [(e.title, f"faq:{e.id}") for e in topic]
                self._ask(turn, "utter_clarify_topic", options)
                return
            if await advice_failed.handled(turn, prediction.intent):
                return  # «курьер отказался», «уже сказал…!!!» after the answer: a person
            if await self._asked_again(turn, prediction.intent):
                # the answer just given did not help: a miss, not a second copy of it
                await repeats.answer_again(turn, prediction.intent)
                return
            if await answer_parts.handled(turn, prediction.intent):
                return  # another question about the long answer just given: its part
            if await next_step.denied_again(turn, prediction.intent):
                return  # «нет», «нет»: a colleague offered, not «Понял. Напишите…» again
            conv.unknown_streak = 0
            await self._answer_intent(turn, prediction.intent)
            self._ask_unclear(turn, prediction, [prediction.intent])
            return
        if prediction.decision is Decision.CLARIFY:
            options = self._options(turn, prediction)
            if options:
                # Not sure: ask, and count it as a miss until the customer picks an option.
                conv.unknown_streak += 1
                self._ask(turn, "utter_clarify", options)
                # the order number and address it gave go with the option picked (QA 3 Q5)
                clarify_details.keep(turn, [p.removeprefix("faq:") for _, p in options])
                return
        if await answer_parts.missed(turn):  # «а счет-фактуру дадите?»: the answer's part
            return
        if only_approval(turn.event.text) and "utter_affirm" in turn.domain.responses:
            approve(turn)  # «👍» after an answer: no question, and no miss
            return
        if after_clarify.grace(turn):  # «а дальше что» to «Уточните…»: the options again
            conv.unknown_streak += 1
            self._ask(turn, after_clarify.RESPONSE, after_clarify.offered_entries(turn))
            return
        conv.unknown_streak += 1
        say_offering_operator(turn, "utter_default")

    def _ask(
        self, turn: Turn, response: str, options: list[tuple[str, str]], **values: object
    ) -> None:
        if response not in turn.domain.responses:
            response = "utter_clarify"  # a project without the topic's own question
        header = turn.domain.render(response, turn.channel, **values)
        buttons = (*(Button(title, payload) for title, payload in options), operator_button())
        # «2» or «второе» in reply picks one (bot/choice.py)
        choice.offer(turn.conversation, [(b.title, b.payload or "") for b in buttons], turn.now)
        turn.say(
            Outbound(text=header.text, buttons=buttons, style=ButtonStyle.INLINE),
            {"response": response, "options": [p for _, p in options]},
        )

    def _ask_unclear(self, turn: Turn, prediction: Prediction, answered: list[str]) -> None:
        """After the answers, «А про «…» уточните…» for a question only guessed at."""
        floor = NLUConfig.model_validate(turn.config.nlu).clarify_threshold
        unclear = unclear_part(
            prediction, turn.kb, answered, turn.config.policy.clarify_max_options, floor
        )
        if unclear is None:
            return
        part, entry_ids = unclear
        question = " ".join(part.text.split()).rstrip("?.!… ")
        if len(question) > 80:
            question = question[:79].rstrip() + "…"
        options = [(turn.kb.entries[e].title, f"faq:{e}") for e in entry_ids]
        self._ask(turn, "utter_clarify_part", options, question=question)

    async def _asked_again(self, turn: Turn, intent: str) -> bool:
        """Is this the customer's question whose answer the bot has just given, in words like
        theirs (bot/repeats.py)? Not a fragment that swaps its detail («а на телек?»,
        bot/followup.py), nor without the response."""
        if intent not in turn.kb or repeats.RESPONSE not in turn.domain.responses:
            return False
        extra = turn.prediction.extra if turn.prediction is not None else {}
        if followup.is_substitution(turn.event.text) or followup.WHEN in extra:
            return False  # «а на телек?», «а 1 января?»: another detail of the same answer
        if followup.WHAT_NOW in extra:
            # «что делать-то?» right after the answer: it did not help
            return await repeats.just_answered(turn) == intent
        return await repeats.asked_again(turn, intent)

    async def _after_offer(self, turn: Turn) -> Prediction | None:
        """A short reply to «Что именно вас интересует?» read after the customer's question
        that was asked about («гарантия» — «а на телефон сколько»: «гарантия а на телефон
        сколько», bot/followup.py)."""
        if not turn.offered or turn.read is None or not followup.is_short_reply(turn.event.text):
            return None
        asked = await repeats.previous_question(turn)
        if asked is None:
            return None
        assert turn.prediction is not None
        together = await turn.read(f"{asked} {turn.event.text}")
        offered = [p[4:] for _, p in turn.offered if p.startswith("faq:")]
        return followup.after_offer(turn.prediction, together, offered, turn.kb)

    def _options(self, turn: Turn, prediction: Prediction) -> list[tuple[str, str]]:
        entries = clarify_options(prediction, turn.kb, turn.config)
        context = turn.conversation.context
        if turn.config.policy.followup_category_bonus > 0:  # not the topic under way as new
            entries = followup.before_topic(entries, context, turn.kb, turn.config, turn.now)
        return [(e.title, f"faq:{e.id}") for e in entries]

    async def _answer_intent(self, turn: Turn, intent: str) -> None:
        if intent in turn.kb:
            await answer_entry(turn, intent, ask_helpful=True)
        elif intent == "greet" and "utter_greet" in turn.domain.responses:
            greet(turn)
        elif intent == "affirm" and "utter_affirm" in turn.domain.responses:
            approve(turn)
        elif f"utter_{intent}" in turn.domain.responses:
            turn.utter(f"utter_{intent}")
        else:
            turn.utter("utter_default")

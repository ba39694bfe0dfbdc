"""The intent classifier: sparse TF-IDF (+ optional sentence embedding) → linear SVM → softmax.

Why this design (measured on clinc150_ru_mt / hwu64_ru_mt, see docs/nlu.md): a linear SVM over
word-lemma and ``char_wb`` TF-IDF trains in about a second and matches logistic regression's
accuracy at a tenth of its training time; appending a USE-multilingual embedding to the same
feature vector adds 2–9 points. SVM margins are turned into a calibrated confidence by a softmax
whose temperature is fitted (NLL) on a stratified hold-out. Training rows labelled ``oos`` form
an extra class: it is never reported as an intent, but its probability mass lowers the
confidence of in-scope intents for out-of-scope messages, which is what rejection needs.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from nlu.api import Decision, Example, IntentScore, Prediction
from nlu.config import NLUConfig
from nlu.courtesy import strip_courtesy
from nlu.encoders import Encoder, EncoderUnavailable, get_encoder
from nlu.entities import extract_entities
from nlu.features import TfidfSpace
from nlu.latin import means_something
from nlu.layout import fix_homoglyphs, fix_layout
from nlu.persist import ModelFileError, read_model, write_model
from nlu.preprocess import Analyzed, Preprocessor, char_features, respelled, word_features
from nlu.segments import MAX_PARTS, question_of, split_clauses, split_loosely, split_questions
from nlu.spelling import SpellCorrector
from nlu.spoken import standard_spelling
from nlu.text import PLACEHOLDERS, is_known_word, lemma
from nlu.translit import fix_translit

log = logging.getLogger(__name__)

OOS_INTENT = "oos"  # training label for out-of-scope examples; never predicted as an intent
# Bump when a change to the training code (preprocessing, features, classifier) should retrain
# cached models; ``bot.project.Project.content_hash`` includes it.
TRAINING_REVISION = "2026-12-02"
# Fewer held-out examples than this give a degenerate (near-zero) temperature: use the default.
MIN_HELD_OUT = 40
# A word sharing this many first letters with a training word is evidence («благодарочка»).
STEM = 5
_CYRILLIC = re.compile("[а-я]")
Array = np.ndarray[Any, Any]


def decide(ranking: Sequence[IntentScore], cfg: NLUConfig) -> Decision:
    """Answer if confident and unambiguous; clarify if plausible or ambiguous; else reject."""
    if not ranking:
        return Decision.REJECT
    top = ranking[0].confidence
    second = ranking[1].confidence if len(ranking) > 1 else 0.0
    if top >= cfg.answer_threshold and top - second >= cfg.ambiguity_margin:
        return Decision.ANSWER
    if top < cfg.clarify_threshold:
        return Decision.REJECT
    if second < cfg.clarify_threshold and top < cfg.clarify_lone_threshold:
        return Decision.REJECT  # one weak guess alone: «не понял» beats a wrong lone button
    return Decision.CLARIFY


def confirmed_pieces(question: Prediction, pieces: Sequence[Prediction]) -> bool:
    """Are ``pieces`` (:func:`nlu.segments.split_loosely` of ``question``) questions of their
    own? Two or more, each answered confidently, no two with the same intent, and the reading
    of the whole among them: «сколько стоит доставка в казань, можно ли оплатить картой при
    получении» (the delivery's cost, the ways to pay; the whole leans to the payment) — not
    «что делать, если курьер не приехал, когда обещал», one question whose last clause alone
    may read as another entry."""
    intents = {p.intent for p in pieces if p.decision is Decision.ANSWER}
    return len(pieces) >= 2 and len(intents) == len(pieces) and question.intent in intents


def _softmax(z: Array, temperature: float) -> Array:
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: Array = e / e.sum(axis=-1, keepdims=True)
    return out


def fit_temperature(scores: Array, labels: Array) -> float:
    """Temperature minimising the negative log-likelihood of held-out labels (grid + refine)."""
    best_t, best_nll = 1.0, math.inf
    grid = np.exp(np.linspace(math.log(0.02), math.log(5.0), 60))
    for t in grid:
        p = _softmax(scores, float(t))[np.arange(len(labels)), labels]
        nll = float(-np.log(np.clip(p, 1e-12, 1.0)).mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


class IntentModel:
    """Implements :class:`nlu.api.NLUModel`."""

    def __init__(self, config: NLUConfig | None = None) -> None:
        self.config = config or NLUConfig()
        self.classes: list[str] = []
        self.encoder_name: str | None = None
        self.temperature = self.config.temperature
        self.pre = Preprocessor()
        self.word_space = TfidfSpace()
        self.char_space = TfidfSpace()
        self.coef_t: Array = np.zeros((0, 0), dtype=np.float32)  # (dim, n_classes)
        self.intercept: Array = np.zeros(0, dtype=np.float32)
        self._encoder: Encoder | None = None
        self._stem_set: frozenset[str] | None = None

    # ------------------------------------------------------------------ API
    @property
    def intents(self) -> list[str]:
        return [c for c in self.classes if c != OOS_INTENT]

    def fit(self, examples: list[Example]) -> None:
        cfg = self.config
        examples = [e for e in examples if e.text.strip()]
        if cfg.strip_courtesy:  # read as messages are (below, :meth:`predict_many`)
            examples = [dataclasses.replace(e, text=strip_courtesy(e.text)) for e in examples]
        labels = sorted({e.intent for e in examples})
        if not [c for c in labels if c != OOS_INTENT]:
            raise ValueError("no in-scope training examples")
        self.classes = labels
        self.encoder_name = self._pick_encoder()
        raw = [Preprocessor.raw_words(e.text) for e in examples]
        speller = SpellCorrector.from_texts(raw, unglue=cfg.split_glued) if cfg.spelling else None
        self.pre = Preprocessor(speller)
        self._stem_set = None
        analyzed = [self.pre.analyze(e.text) for e in examples]
        self.word_space = TfidfSpace().fit([word_features(a, cfg.word_ngram_max) for a in analyzed])
        self.char_space = TfidfSpace().fit(
            [char_features(a, cfg.char_ngram_min, cfg.char_ngram_max) for a in analyzed]
        )
        x = self._features(analyzed, [e.text for e in examples])
        index = {c: i for i, c in enumerate(self.classes)}
        y = np.array([index[e.intent] for e in examples])
        self.temperature = cfg.temperature
        if cfg.calibrate:
            t = self._calibrate(x, y)
            if t is not None:
                self.temperature = t
        self.coef_t, self.intercept = self._train(x, y)

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """The same predictions as :meth:`predict`, with one encoder call for all the texts.

        The sentence encoder costs ~1.8 ms for one text and ~0.5 ms per text in a batch of 16;
        the bot batches the messages that arrive together under load. A message of several
        questions gets their predictions in :attr:`Prediction.parts`, from the same call.
        """
        reads = [self._plain(self._canonical(t)) for t in texts]
        splits = [split_questions(r) if self.config.split_questions else [] for r in reads]
        cuts = [split_clauses(r) if self.config.split_clauses else [] for r in reads]
        # each question (the whole message when it is one) at its commas, «и», «а»: kept only
        # where every piece is understood on its own (confirmed_pieces)
        loose = [
            [split_loosely(q) for q in (split or [r])] if self.config.split_questions else []
            for r, split in zip(reads, splits, strict=True)
        ]
        more = [self._plain(question_of(part)) for split in splits for part in split]
        more += [self._plain(part) for cut in cuts for part in cut]
        more += [self._plain(question_of(p)) for groups in loose for ps in groups for p in ps]
        predictions = self._predict_reads([*texts, *more], [*reads, *more])
        out, k = predictions[: len(texts)], len(texts)
        for i, split in enumerate(splits):
            if split:
                out[i] = dataclasses.replace(out[i], parts=tuple(predictions[k : k + len(split)]))
                k += len(split)
        for i, cut in enumerate(cuts):
            if cut:
                out[i] = dataclasses.replace(out[i], clauses=tuple(predictions[k : k + len(cut)]))
                k += len(cut)
        for i, groups in enumerate(loose):
            if not groups:
                continue
            questions: list[Prediction] = []
            for question, pieces in zip(out[i].parts or (out[i],), groups, strict=True):
                read = predictions[k : k + len(pieces)]
                k += len(pieces)
                questions += read if confirmed_pieces(question, read) else [question]
            if len(questions) > max(len(out[i].parts), 1):
                out[i] = dataclasses.replace(out[i], parts=tuple(questions[:MAX_PARTS]))
        return out

    def _predict_reads(self, texts: Sequence[str], reads: Sequence[str]) -> list[Prediction]:
        analyzed = [self.pre.analyze(r) for r in reads]
        enc = self._get_encoder()
        embeddings = (
            enc.encode(self._encoder_inputs(reads, analyzed)) if enc is not None and reads else None
        )
        return [
            self._prediction(
                text,
                a,
                self._scores_one(a, None if embeddings is None else embeddings[i]),
                read,
            )
            for i, (text, read, a) in enumerate(zip(texts, reads, analyzed, strict=True))
        ]

    def _prediction(self, text: str, a: Analyzed, scores: Array, read: str) -> Prediction:
        """``text`` as the customer sent it; ``read`` as the model read it (:meth:`_canonical`)."""
        cfg = self.config
        probs = _softmax(scores, self.temperature)
        order = np.argsort(-probs)[: cfg.max_ranking + 1]  # + 1: oos may be among them
        ranking = tuple(
            IntentScore(self.classes[i], float(probs[i]))
            for i in order
            if self.classes[i] != OOS_INTENT
        )[: cfg.max_ranking]
        extra: dict[str, float] = {}
        if OOS_INTENT in self.classes:
            extra["oos_confidence"] = float(probs[self.classes.index(OOS_INTENT)])
        if not a.words and not ranking:
            return Prediction(text, None, 0.0, Decision.REJECT, normalized_text=a.normalized_text)
        entities = extract_entities(read)
        # Nothing we could read (emoji, punctuation), or only words that are no evidence
        # («асдфг», «фывфыв»: :meth:`_unread`): never answer, never offer a guess.
        if not a.words or (cfg.reject_unknown_words and not entities and self._unread(a)):
            top = ranking[0] if ranking else None
            return Prediction(
                text,
                top.intent if top else None,
                0.0,
                Decision.REJECT,
                ranking,
                entities,
                a.normalized_text,
                extra,
            )
        top = ranking[0] if ranking else None
        return Prediction(
            text=text,
            intent=top.intent if top else None,
            confidence=top.confidence if top else 0.0,
            decision=decide(ranking, cfg),
            ranking=ranking,
            entities=entities,
            normalized_text=a.normalized_text,
            extra=extra,
        )

    def _unread(self, a: Analyzed) -> bool:
        """True if no word of the message (as read: layout, transliteration and spelling
        already applied) is evidence for any intent: each is a keyboard mash or a stray letter.

        A word is evidence if it has two letters or more and is a Russian word pymorphy3
        knows («ок», «да», «др»), a word of the training vocabulary (brands, «пвз»), a
        placeholder (a number, URL, e-mail), a Latin word that means something (the sentence
        encoder reads English: «thanks», «where is my order»; a keyboard mash such as
        «asdfgh» or «sdfsdf» does not, unless it reads as a Russian word: :mod:`nlu.latin`) or
        shares its first five letters with a training word («благодарочка»). One letter alone
        («ыыы» → «ы», «в») says nothing about an intent.
        """
        speller = self.pre.speller.counts if self.pre.speller is not None else {}
        vocab = self.word_space.vocab
        for word, lem in zip(a.words, a.lemmas, strict=True):
            if len(word) < 2:
                continue
            if word in PLACEHOLDERS or lem in vocab or word in speller or word in vocab:
                return False
            if _CYRILLIC.search(word) and is_known_word(word):
                return False
            if not _CYRILLIC.search(word) and means_something(word, is_known_word):
                return False
            if len(word) >= STEM and word[:STEM] in self._stems():
                return False
        return True

    def _stems(self) -> frozenset[str]:
        """The first :data:`STEM` letters of every training word that long (built once)."""
        if self._stem_set is None:
            words = self.pre.speller.counts if self.pre.speller is not None else {}
            self._stem_set = frozenset(w[:STEM] for w in words if len(w) >= STEM)
        return self._stem_set

    def _trained_word(self, word: str) -> bool:
        """True if ``word`` is a word of the training data («промокод», «промокоду») or a form
        of one («промокодом»: a training word's first letters, and a training lemma).

        Read from the model itself — the spelling dictionary and the word features saved in
        its file — so transliteration knows what the model was trained on at prediction time
        (:func:`nlu.translit.decode` asks it for what pymorphy3 does not know)."""
        speller = self.pre.speller.counts if self.pre.speller is not None else {}
        vocab = self.word_space.vocab
        if word in speller or word in vocab:
            return True
        return len(word) >= STEM and word[:STEM] in self._stems() and lemma(word) in vocab

    def warmup(self) -> None:
        """Build lazy resources (tokenizer, analyser, speller index, encoder) before serving."""
        self.predict("здравствуйте, где мой заказ 12345?")

    def save(self, path: Path) -> None:
        if not self.classes:
            raise ValueError("cannot save an untrained model")
        meta: dict[str, Any] = {
            "config": self.config.model_dump(),
            "classes": self.classes,
            "encoder": self.encoder_name,
            "temperature": self.temperature,
            "spelling": self.pre.speller.counts if self.pre.speller else None,
        }
        words_meta, words_arr = self.word_space.to_arrays("word")
        chars_meta, chars_arr = self.char_space.to_arrays("char")
        meta |= words_meta | chars_meta
        arrays = {**words_arr, **chars_arr, "coef_t": self.coef_t, "intercept": self.intercept}
        write_model(path, meta, arrays)

    @classmethod
    def load(cls, path: Path) -> Self:
        meta, arrays = read_model(path)
        try:
            # Files written before ``encoder_lowercase`` existed fed the encoder the raw text;
            # those before ``strip_courtesy`` read the greetings and «пожалуйста» too, and
            # those before ``encoder_spelling`` gave the encoder the typos, and those before
            # ``split_glued`` left «мойзаказ» whole.
            added = ("encoder_lowercase", "strip_courtesy", "encoder_spelling", "split_glued")
            before = dict.fromkeys(added, False)
            model = cls(NLUConfig.model_validate(before | meta["config"]))
            model.classes = [str(c) for c in meta["classes"]]
            model.encoder_name = meta["encoder"]
            model.temperature = float(meta["temperature"])
            spelling = meta["spelling"]
            model.pre = Preprocessor(
                SpellCorrector(spelling, unglue=model.config.split_glued)
                if spelling is not None
                else None
            )
            model.word_space = TfidfSpace.from_arrays(meta["word_terms"], arrays["word_idf"])
            model.char_space = TfidfSpace.from_arrays(meta["char_terms"], arrays["char_idf"])
            model.coef_t = arrays["coef_t"].astype(np.float32)
            model.intercept = arrays["intercept"].astype(np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: inconsistent model file ({exc})") from exc
        dim = model.word_space.dim + model.char_space.dim + model._encoder_dim()
        if model.coef_t.shape != (dim, len(model.classes)) or model.intercept.shape != (
            len(model.classes),
        ):
            raise ModelFileError(f"{path}: weight shapes do not match the vocabulary")
        return model

    # ------------------------------------------------------------ internals
    def _pick_encoder(self) -> str | None:
        name = {"sparse": None, "sparse+use": "use", "sparse+e5": "e5"}[self.config.pipeline]
        if name is None:
            return None
        try:
            self._encoder = get_encoder(name, self.config.threads)
        except EncoderUnavailable as exc:
            log.warning("%s; falling back to the 'sparse' pipeline", exc)
            self._encoder = None
            return None
        return name

    def _get_encoder(self) -> Encoder | None:
        if self.encoder_name is None:
            return None
        if self._encoder is None:
            try:
                self._encoder = get_encoder(self.encoder_name, self.config.threads)
            except EncoderUnavailable as exc:
                raise ModelFileError(
                    f"model was trained with encoder {self.encoder_name!r}: {exc}"
                ) from exc
        return self._encoder

    def _canonical(self, text: str) -> str:
        """The message as the model reads it: Russian typed in the wrong keyboard layout or
        in Latin letters → in Cyrillic; spoken spellings («када», «скока») → the words they
        stand for (:mod:`nlu.spoken`).

        Only at prediction time: the training data is the editors' own text."""
        vocabulary = self.word_space.vocab.__contains__
        if self.config.fix_layout:
            text = fix_homoglyphs(text)
            read = fix_layout(text, is_known_word, vocabulary, self._trained_word)
        else:
            read = text
        if read == text and self.config.fix_translit:
            read = fix_translit(text, is_known_word, vocabulary, self._trained_word)
        return standard_spelling(read) if self.config.fix_spoken else read

    def _plain(self, text: str) -> str:
        """The question without the courtesy around it (:mod:`nlu.courtesy`), if configured."""
        return strip_courtesy(text) if self.config.strip_courtesy else text

    def _encoder_inputs(self, texts: Sequence[str], analyzed: Sequence[Analyzed]) -> list[str]:
        """What the sentence encoder reads. Lower-cased by default: USE is case-sensitive, and
        the same question capitalised or not (a written FAQ against a typed chat message) should
        not land in different places; +1.0 point of cross-validated top-1 on hwu64. With the
        spelling corrector's corrections in place of the typos (``encoder_spelling``): a typo
        the sparse features forgive otherwise still moves the sentence embedding."""
        cfg = self.config
        out = [t.lower() for t in texts] if cfg.encoder_lowercase else list(texts)
        if cfg.encoder_spelling:
            out = [respelled(t, a.corrections) for t, a in zip(out, analyzed, strict=True)]
        return out

    def _encoder_dim(self) -> int:
        return {"use": 512, "e5": 384}.get(self.encoder_name or "", 0)

    def _features(self, analyzed: list[Analyzed], texts: Sequence[str]) -> sp.csr_matrix:
        cfg = self.config
        parts = [
            self.word_space.transform([word_features(a, cfg.word_ngram_max) for a in analyzed])
            * math.sqrt(cfg.word_weight),
            self.char_space.transform(
                [char_features(a, cfg.char_ngram_min, cfg.char_ngram_max) for a in analyzed]
            )
            * math.sqrt(1.0 - cfg.word_weight),
        ]
        enc = self._get_encoder()
        if enc is not None:
            parts.append(
                sp.csr_matrix(
                    enc.encode(self._encoder_inputs(texts, analyzed)) * cfg.encoder_weight
                )
            )
        return sp.hstack(parts, format="csr")

    def _scores_one(self, a: Analyzed, embedding: Array | None) -> Array:
        """Linear scores for one message without building scipy matrices (latency path).

        ``embedding``: the message's sentence encoding (from :meth:`_predict_reads`' one
        encoder call for the batch), or None for a model without an encoder.
        """
        cfg = self.config
        z = self.intercept.astype(np.float64).copy()
        offset = 0
        for space, grams, weight in (
            (self.word_space, word_features(a, cfg.word_ngram_max), math.sqrt(cfg.word_weight)),
            (
                self.char_space,
                char_features(a, cfg.char_ngram_min, cfg.char_ngram_max),
                math.sqrt(1.0 - cfg.word_weight),
            ),
        ):
            idx, w = space.weights(grams)
            if len(idx):
                z += weight * (w @ self.coef_t[offset + idx])
            offset += space.dim
        if embedding is not None:
            z += cfg.encoder_weight * (embedding @ self.coef_t[offset:])
        return z

    def _train(self, x: sp.csr_matrix, y: Array) -> tuple[Array, Array]:
        from sklearn.svm import LinearSVC

        n_classes = len(self.classes)
        if n_classes == 1:  # degenerate: one intent, maybe no oos; constant scores
            return np.zeros((x.shape[1], 1), np.float32), np.zeros(1, np.float32)
        svm = LinearSVC(C=self.config.svm_c, random_state=self.config.seed).fit(x, y)
        coef = np.asarray(svm.coef_, dtype=np.float64)
        inter = np.asarray(svm.intercept_, dtype=np.float64)
        if n_classes == 2:  # sklearn returns one hyperplane for two classes
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            inter = np.array([-inter[0] / 2, inter[0] / 2])
        return (np.ascontiguousarray(coef.T, dtype=np.float32), inter.astype(np.float32))

    def _calibrate(self, x: sp.csr_matrix, y: Array) -> float | None:
        """Hold out a quarter of every class that has at least two examples; fit the temperature.

        Each class draws its held-out rows from a generator of its own (the seed and the
        class's name): a question added to one entry changes only that entry's draw, not the
        draws of every class after it — which moved the fitted temperature a grid step and
        turned right answers elsewhere into «Уточните» (docs/nlu.md, the 2026-12-07 QA pass).
        """
        held: list[int] = []
        for c, name in enumerate(self.classes):
            idx = np.flatnonzero(y == c)
            if len(idx) >= 2:
                rng = np.random.default_rng([self.config.seed, zlib.crc32(str(name).encode())])
                k = max(1, len(idx) // 4)
                held.extend(rng.choice(idx, size=k, replace=False).tolist())
        train_mask = np.ones(len(y), dtype=bool)
        train_mask[held] = False
        if len(held) < MIN_HELD_OUT or len(set(y[train_mask].tolist())) < 2:
            return None
        coef_t, inter = self._train(x[train_mask], y[train_mask])
        # classes absent from the reduced training set cannot happen: each kept ≥ 1 example
        scores = np.asarray(x[held] @ coef_t) + inter
        return fit_temperature(scores, y[held])

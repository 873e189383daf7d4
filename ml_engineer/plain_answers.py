"""A person's answer to the approval question, in their own words, read by clear rules.

    "looks good", "lgtm", "ship it"            -> {"decision": "approve"}
    "drop customer_id and optimise F1"         -> {"decision": "revise", "feedback": ...}
    "no, stop", "reject: wrong population"     -> {"decision": "reject", "reason": ...}
    "hmm", "what?", "not yet", "yes, stop"     -> None: the chat asks again
    "yeah right", "looks good 🤔", "ok :("     -> None: a yes with doubt beside it

Approval hands the design off, so the rules approve only a clear, unqualified yes: yes words,
a few harmless fillers ("please", "thanks", "the design"), plain punctuation and a positive
sign (👍, ✅, ":)"), and nothing else. Any other word, symbol, emoji or emoticon, a
strikethrough, a trailing "...", sarcasm ("yeah right", "oh great", "just perfect", "sure,
whatever") or anything that says no, wait or change holds the yes back. A change request
wins over a yes ("yes but drop x" revises): a revision is never harmful, it reruns the
affected steps and asks again. Anything the rules cannot read with confidence is None, never
a guess. Core module: no langgraph, no model.
"""

from __future__ import annotations

import re
import unicodedata

APPROVE: dict = {"decision": "approve"}

# Whole phrases that say yes. Longest first, so "looks good to me" is taken before "good".
# A sign is a yes only when it means yes or OK (👍 👌 ✅ ✔️ ☑️); a smile is not (see _POSITIVE_RE).
_TONE = r"[\U0001F3FB-\U0001F3FF]?\ufe0f?"  # a skin tone, an emoji presentation selector
_YES = sorted(
    [
        r"i approve", r"approved?", r"approve it", r"lgtm", r"yes", r"yep", r"yeah", r"yea",
        r"yup", r"ya", r"y", r"ok(?:ay)?", r"k", r"sure", r"sure thing", r"fine", r"good",
        r"great", r"perfect", r"excellent", r"nice", r"cool", r"alright", r"all right",
        r"ship it", r"go ahead", r"go for it", r"go", r"proceed", r"carry on", r"continue",
        r"accept(?:ed)?", r"confirm(?:ed)?", r"agreed?", r"all good", r"all set",
        r"(?:(?:it|this|that|everything|all) )?(?:looks?|sounds?|seems?) (?:good|great|fine|"
        r"ok(?:ay)?|right|correct|reasonable|sensible|solid)(?: to me)?",
        r"that'?s (?:fine|good|great|ok(?:ay)?|right)", r"it'?s (?:fine|good|great|ok(?:ay)?)",
        r"(?:fine|ok(?:ay)?|good) (?:by|with|for) me", r"good to go", r"good enough",
        r"(?:(?:that|this|it) )?works for me", r"(?:that|this|it) works",
        r"(?:i'?m|i am|we'?re|we are) (?:happy|fine|ok(?:ay)?|good|satisfied|content)"
        r"(?: with (?:it|this|that|the design)| to go)?", r"(?:good|great|nice) (?:job|work)",
        r"well done", r"hand (?:it )?off", r"do it", r"let'?s go", r"let'?s do it",
        r"no (?:further )?changes?(?: (?:needed|necessary))?", r"without changes",
        r"nothing to change", r"no need to change (?:anything|a thing|it)",
        r"(?:keep|leave) it as (?:it )?is", r"as is", r"no problems?(?: at all)?",
        r"no objections?", r"no worries", r"no complaints", r"no concerns", r"no issues",
        r"thumbs up", rf"👍{_TONE}", rf"👌{_TONE}", r"✅", r"✔\ufe0f?", r"☑\ufe0f?",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_YES_RE = re.compile(rf"(?<![\w'-])(?:{'|'.join(_YES)})(?![\w'-])", re.IGNORECASE)
# A glad sign that may stand beside a yes (never a yes alone): "looks good 🚀", "ok :)".
_POSITIVE_RE = re.compile(r"(?:[🚀🎉💯😊😀😃😄]\ufe0f?|:-?\)(?!\))|:-?D\b)")
# Sarcasm, or a joke: the yes words say the opposite. Never an approval, whoever reads it.
_SARCASM_RE = re.compile(
    r"\b(?:yeah|yea|ya|yep|sure)[\s,.!]*right\b|\boh[\s,.!]+(?:great|perfect|wonderful|"
    r"fantastic|brilliant|lovely|joy|sure|nice|good|cool|yes|yeah|goody|well|boy)\b|"
    r"\bjust (?:great|perfect|wonderful|fantastic|brilliant|lovely|peachy|dandy|super)\b|"
    r"\bwhatever\b|\bas if\b|\b(?:yeah|sure)[\s,]+(?:yeah|sure)\b|(?<!\w)/s\b|"
    r"\b(?:lol|lmao|rofl|jk|j/k|kidding|ha(?:ha)+|he(?:he)+)\b",
    re.IGNORECASE,
)
# An emoticon that is not a smile (":(", ":/", ":-(", ":|", ":p", "D:", "-_-"), and the
# marks of a doubt or a crossed-out word: a trailing "..." and a "~~strikethrough~~".
_EMOTICON_RE = re.compile(
    r"[:;=]['\-^o]?[()\[\]{}<>/\\|@$*#pPsSoOxXcC3D0]|\bD-?[:;=]|"
    r"(?<!\w)[-^>T;oO0.]_+[-^<T;oO0.](?!\w)"
)
_MARKS_RE = re.compile(r"\.\.|…|~")
# Unicode categories of marks that are not words nor plain punctuation (emoji selectors, joins).
_SIGNS = {"Mn", "Me", "Cf", "Co", "Cn"}

# Words that ask for a change: a verb, or a thing the design decides (metric, model, tracker).
_CHANGE_RE = re.compile(
    r"\b(?:drop|remove|exclude|excluding|ignore|add|include|keep|use|using|switch|swap|change|"
    r"replace|set|make|try|optimi[sz]e|maximi[sz]e|minimi[sz]e|tune|split|target|metric|"
    r"predict|group|stratif\w*|instead|rather|revise|rerun|re-run|redo|lower|raise|increase|"
    r"decrease|reduce|treat|encode|scale|bin|weight|weights|feature|features|column|columns|"
    r"f1|auc|roc|pr-auc|recall|precision|accuracy|rmse|mae|mape|r2|log[- ]loss|lightgbm|lgbm|"
    r"xgboost|forest|linear|logistic|boosting|mlflow|wandb|tracker|seed|threshold)\b",
    re.IGNORECASE,
)
# Words that stop a run. Seen alone (after any yes), they reject; beside a yes, nothing is sure.
_STOP_RE = re.compile(
    r"\b(?:no|nope|nah|n|reject(?:ed)?|stop|cancel|abort|halt|scrap|discard|decline[sd]?|"
    r"refuse[sd]?)\b",
    re.IGNORECASE,
)
# ... of which a "no" before another word ("no further questions", "no need", "no idea") is
# not a rejection, unless the word is one more no ("no thanks", "no way", "no, stop").
_REJECT_WORD_RE = re.compile(
    r"\b(?:no(?!\s+(?!(?:thanks?|thank|way|no|nope|nah|stop|please|pls|sorry|reject|cancel|"
    r"abort)\b)[\w'])|nope|nah|n|reject(?:ed)?|stop|cancel|abort|halt|scrap|discard|"
    r"decline[sd]?|refuse[sd]?)\b",
    re.IGNORECASE,
)
# Hesitation and negation: never read as a yes, nor as a no.
_HESITATE = (
    r"not|never|don'?t|dont|doesn'?t|isn'?t|can'?t|cannot|won'?t|wouldn'?t|shouldn'?t|wait|"
    r"hold|later|yet|maybe|perhaps|unsure|hmm+|hm+|um+|uh+|idk|dunno|unless|if"
)
_HESITATE_RE = re.compile(rf"(?:\b(?:{_HESITATE})\b|n't\b|\?)", re.IGNORECASE)
# ... and a doubt beside a yes: "looks good but", "yes, why", "fine, it's wrong".
_DOUBT_RE = re.compile(
    rf"(?:\b(?:{_HESITATE}|but|why|what|how|wrong|bad|worse|worried|concerned|hardly|barely|"
    r"scarcely|far from|neither|nor)\b|n't\b|\?)",
    re.IGNORECASE,
)
# What may stand beside a yes without changing it: a small set. A word that hedges, mocks or
# redirects ("right", "just", "oh", "so", "well", "it", "on", "guess", "pretty") is not here:
# "yeah right", "cool it", "go on", "ok, on it" and "ok so" are asked again.
_FILLER = {
    "please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "cheers", "this", "that",
    "the", "design", "i", "think", "very", "really", "much", "is", "and", "we", "then",
    "indeed", "absolutely", "definitely", "mate",
}  # fmt: skip
# What may stand beside a yes in a bare approval, besides words: plain punctuation.
_PLAIN_RE = re.compile(r"[\w'\s,.!]*")
# What a rejection's reason may be made of and still be no reason ("I reject it", "no thanks").
_EMPTY_REASON = _FILLER | {
    "it", "so", "well", "now", "just", "pretty", "to", "me", "can", "let's", "lets", "looks",
    "oh", "alright", "right", "totally", "quite", "for", "here", "guess", "ahead", "a", "on",
    "with", "all", "way",
}  # fmt: skip
_QUESTION_WORDS = re.compile(
    r"^(?:what|why|how|which|who|where|when|is|are|does|did|should|shall|am|was|were)\b",
    re.IGNORECASE,
)
_SUGGESTION = re.compile(
    r"^(?:can|could|would|will) you\b|^(?:how|what) about\b|^please\b", re.IGNORECASE
)
_REVISE = re.compile(r"^\s*revise\b[\s:,.-]*", re.IGNORECASE)
_REJECT = re.compile(r"^\s*(?:i\s+)?reject(?:ed)?\b[\s:,.;!-]*", re.IGNORECASE)
# stop/cancel/abort lead a rejection only when nothing but a pause or a reason follows them:
# "stop, wrong population" rejects, "stop using tenure" asks for a change.
_HALT = re.compile(
    r"^\s*(?:please\s+)?(?:stop|cancel|abort|halt|decline)"
    r"(?:\s+(?:it|this|that|the run|the design|here|now|please|there))*"
    r"(?:\s*[:,.;!—–-]+\s*|\s+(?=(?:because|since|as|due to)\b)|\s*$)",
    re.IGNORECASE,
)
# A leading no rejects, unless a noun follows it: "no problem" says yes, "no further
# questions", "no need" and "no idea" say neither.
_NO = re.compile(
    r"^\s*(?:no|nope|nah|n)\b(?!\s+(?:problems?|worries|objections?|complaints|changes?|"
    r"further|need|idea|clue|questions?|comments?|concerns?|issues?|doubt|rush|hurry|more|"
    r"opinion|preference)\b)[\s:,.;!—–-]*",
    re.IGNORECASE,
)
_BECAUSE = re.compile(r"^(?:because|since|as|due to|the reason is|reason)\b[\s:,-]*", re.I)
_LEAD_IN = re.compile(
    rf"^(?:(?:{'|'.join(_YES)}|no|nope|nah|how about|what about|(?:can|could|would|will) you|"
    r"please|pls)(?![\w'-])[\s,.;:!—–-]*(?:but|and|though|however|just|then)?[\s,]*)+",
    re.IGNORECASE,
)
_TAIL = re.compile(r"(?:[\s,]+(?:instead|please|thanks|thank you|rather))*[\s.!?]*$", re.I)
_SHOW = re.compile(
    r"^\s*(?:please\s+)?(?:show|open|view|see|print|display|cat)(?:\s+me)?(?:\s+the)?\s*(.*)$",
    re.IGNORECASE,
)
SHOWABLE = {
    "spec": "spec", "feature spec": "spec", "feature-spec": "spec", "feature-spec.md": "spec",
    "script": "script", "training script": "script", "training_script.py": "script",
    "code": "script", "config": "config", "experiment config": "config",
    "experiment-config": "config", "experiment-config.yaml": "config", "yaml": "config",
}  # fmt: skip
HINT = (
    'Say "looks good" to approve, what to change (e.g. "drop customer_id and optimise F1", '
    '"time split on order_date", "use lightgbm"), or "no, stop" to reject; "show spec", '
    '"show script" or "show config" shows a file.'
)


def read_answer(text: str) -> dict | None:
    """The decision in `text`, or None when the rules cannot tell (the chat asks again)."""
    clean = _normalise(text)
    if not clean.strip(" .!"):
        return None
    if _is_question(clean):
        return None
    if m := _REVISE.match(clean):
        feedback = feedback_of(clean[m.end() :])
        return {"decision": "revise", "feedback": feedback} if feedback else None
    if m := _REJECT.match(clean):
        return _reject(clean[m.end() :])
    if m := _HALT.match(clean):
        return _reject(clean[m.end() :])
    if m := _NO.match(clean):
        return _after_no(clean, clean[m.end() :])
    rest, said_yes = _YES_RE.sub(" ", clean), bool(_YES_RE.search(clean))
    if _CHANGE_RE.search(rest):
        return _revise(clean)
    if _DOUBT_RE.search(rest):
        return None
    if _REJECT_WORD_RE.search(rest):
        # "please stop" rejects; "looks good, stop" says yes and no at once: ask again.
        return None if said_yes else _reject("")
    if said_yes and _bare(rest) and not _doubt_signs(clean):
        return dict(APPROVE)
    return None


def refuses_approval(text: str) -> bool:
    """The words hold back a yes ("don't approve", "not yet", "wait", "no", "yeah right",
    "looks good 🤔", "ok :("): whoever reads them, an LLM included, must not approve on them."""
    clean = _normalise(text)
    rest = _YES_RE.sub(" ", clean)
    return bool(
        _DOUBT_RE.search(rest) or _STOP_RE.search(rest) or _NO.match(clean) or _doubt_signs(clean)
    )


def show_request(text: str) -> str | None:
    """'spec', 'script' or 'config' for "show spec" (and "open the training script"); "" for
    a show of something else; None when the text is not a show request at all."""
    m = _SHOW.match(_normalise(text))
    if m is None:
        return None
    what = m.group(1).strip(" .!?`'\"").lower()
    return SHOWABLE.get(what, "")


def feedback_of(text: str) -> str:
    """The change request without its lead-in or tail ("yes but", "no,", "instead", "please"),
    so the revision rules read the change itself; the words in between are kept as typed."""
    clean = _normalise(text).strip()
    body = _TAIL.sub("", _LEAD_IN.sub("", clean)).strip(" ,;:.-")
    return body or clean.strip(" ,;:.-")


def _revise(clean: str) -> dict:
    return {"decision": "revise", "feedback": feedback_of(clean)}


def _reject(rest: str) -> dict:
    """A rejection; the reason is what follows the stop word, if it is more than another one."""
    reason = _BECAUSE.sub("", rest.strip(" ,;:.!-—–")).strip(" ,;:.!-—–")
    if not reason or not (set(_words(_STOP_RE.sub(" ", reason))) - _EMPTY_REASON):
        return {"decision": "reject", "reason": None}
    return {"decision": "reject", "reason": reason}


def _after_no(clean: str, rest: str) -> dict | None:
    """After a leading no: "no" alone, "no, stop" and "no, wrong population" reject; "no, drop
    x instead" revises; "no, looks good" and "no, not yet" are not sure."""
    if _CHANGE_RE.search(rest):
        return _revise(clean)
    if _YES_RE.search(rest) or _HESITATE_RE.search(rest):
        return None
    if m := (_REJECT.match(rest) or _HALT.match(rest)):
        rest = rest[m.end() :]
    return _reject(rest)


def _bare(rest: str) -> bool:
    """What is left beside the yes words is only fillers, plain punctuation and glad signs:
    no other word, symbol, emoji or emoticon, and no "..." or "and" trailing off."""
    rest = _POSITIVE_RE.sub(" ", rest)
    words = _words(rest)
    # "ok and" trails off: more was to come.
    return bool(_PLAIN_RE.fullmatch(rest)) and set(words) <= _FILLER and words[-1:] != ["and"]


def _doubt_signs(clean: str) -> bool:
    """Sarcasm, a trailing "...", a "~~strikethrough~~", an emoticon that is not a smile, or
    any symbol or emoji but a yes sign or a glad one ("🤔", "🙄", "👎", "❌", ":(", ":/")."""
    if _SARCASM_RE.search(clean) or _MARKS_RE.search(clean):
        return True
    rest = _POSITIVE_RE.sub(" ", _YES_RE.sub(" ", unicodedata.normalize("NFC", clean)))
    if _EMOTICON_RE.search(rest):
        return True
    return any(unicodedata.category(c)[0] == "S" or unicodedata.category(c) in _SIGNS for c in rest)


def _is_question(clean: str) -> bool:
    """A question is asked back, not answered: unless it is a polite request for a change
    ("could you use F1?", "what about a time split?")."""
    asks = clean.rstrip().endswith("?") or bool(_QUESTION_WORDS.match(clean.strip()))
    return asks and not (_SUGGESTION.match(clean.strip()) and _CHANGE_RE.search(clean))


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\x00", "")
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())

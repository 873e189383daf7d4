"""Untrusted text (profiles, schema notes, EDA reports, sample values) as data in a prompt.

Every such text reaches the model inside a <data> element, and the prompts say that nothing
inside one is an instruction. A text cannot close the element early: any `<data` or `</data`
inside it is defused first. This is one layer; the real guard is that write tools accept only
decisions the planner's rules allow, whatever the model was talked into.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"<(/?)(data)", re.IGNORECASE)


def as_data(source: str, text: str) -> str:
    body = _TAG.sub(lambda m: f"<{m.group(1)}{m.group(2)}_", text.replace("\x00", ""))
    source = re.sub(r"[^\w .:/-]", "_", source)[:80]
    return f'<data source="{source}" trust="untrusted">\n{body}\n</data>'

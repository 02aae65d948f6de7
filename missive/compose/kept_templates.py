"""Letter templates compiled and analysed once, and kept between runs.

Every process that composes builds a `LanguageKit` per language of the letter: Jinja2
compiles each template to Python code, and `LanguageKit` parses each again to learn which
names it reads. For the six languages of a letter that is about 35 ms before the first
letter, in every `render`, `check`, `proof` and `send` and in each render process. Both
results depend only on the template's text, on Jinja2 and on the code here, so they are
kept in the start-up cache (`storage/startcache.py`):

- the compiled code through Jinja2's own `BytecodeCache` protocol, one entry per template
  file or letter key (the subject); Jinja2 stores the checksum of the source with the code
  and compiles again when the text changed;
- what a template reads (`TemplateFacts`), one entry per template file or letter key, with
  the digest of the text it was found in.

Anything missing, stale or damaged only means the work is done again.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import jinja2
import jinja2.meta
import jinja2.nodes
from jinja2.bccache import Bucket

from missive.storage import reuse, startcache

CODE_KIND = "template-code"
FACTS_KIND = "template-facts"
# The code whose results are kept: the environment's options shape the compiled code.
_COMPUTED_BY = ("missive.compose.environment", __name__)


@dataclass(frozen=True)
class TemplateFacts:
    """What a template reads, from its syntax tree (Jinja2's meta API)."""

    # The names it looks up; None if it includes or imports another template, which is
    # not looked into.
    lookups: frozenset[str] | None
    # Whether every use of `reference` prints it as it is (`{{ reference }}`: no filter,
    # test or operation).
    reference_as_is: bool


def template_facts(env: jinja2.Environment, source: str, place: str) -> TemplateFacts:
    """The facts of a template that has already compiled (so it parses). `place` names
    where its text comes from (a file, a key of a letter): one entry per place, so that
    editing a template replaces its entry instead of adding one."""
    digest = startcache.fingerprint(source.encode())
    key = startcache.fingerprint(place.encode())
    kept = startcache.load(FACTS_KIND, key, _version())
    if isinstance(kept, tuple) and len(kept) == 3 and kept[0] == digest:
        return TemplateFacts(*kept[1:])
    facts = _facts(env.parse(source))
    startcache.store(FACTS_KIND, key, _version(), (digest, facts.lookups, facts.reference_as_is))
    return facts


def _facts(tree: jinja2.nodes.Template) -> TemplateFacts:
    lookups = None
    if not any(True for _ in jinja2.meta.find_referenced_templates(tree)):
        lookups = frozenset(jinja2.meta.find_undeclared_variables(tree))
    printed = sum(
        isinstance(child, jinja2.nodes.Name) and child.name == "reference"
        for output in tree.find_all(jinja2.nodes.Output)
        for child in output.nodes
    )
    named = sum(node.name == "reference" for node in tree.find_all(jinja2.nodes.Name))
    return TemplateFacts(lookups, printed == named)


def template_from_text(env: jinja2.Environment, source: str, place: str) -> jinja2.Template:
    """`env.from_string(source)`, its compiled code kept like a template file's, under
    `place` (a letter's key: Jinja2 keeps only what it loads from files)."""
    kept = env.bytecode_cache
    if kept is None:
        return env.from_string(source)
    bucket = kept.get_bucket(env, place, None, source)
    if bucket.code is None:
        bucket.code = env.compile(source)
        kept.set_bucket(bucket)
    return env.template_class.from_code(env, bucket.code, env.make_globals(None), None)


class KeptBytecode(jinja2.BytecodeCache):
    """Jinja2's bytecode cache, kept in the start-up cache (one entry per template file)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        data = startcache.load(CODE_KIND, bucket.key, _version())
        if not isinstance(data, bytes):
            return
        try:
            bucket.bytecode_from_string(data)  # dropped by Jinja2 if the source changed
        except Exception:  # a damaged entry: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        startcache.store(CODE_KIND, bucket.key, _version(), bucket.bytecode_to_string())


@reuse.once
def _version() -> str:
    code = startcache.code_fingerprint(*_COMPUTED_BY)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"jinja2 {jinja2.__version__} python {python} code {code[:16]}"

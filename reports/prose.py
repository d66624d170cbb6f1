r"""ASCII math in the registry's prose, typeset as math.

The claims, the parameter roles, the conventions and the names of proof steps are written for a terminal
(``W_0 != 0``, ``rho_j``, ``S_t = Lambda (.) S_{t-1} + M_t``). The report never prints them as they are:

* :func:`ascii_math` -- a string that is all math (``E_x^T E_x = I``) as LaTeX math;
* :func:`prose` -- prose with math inside: every run of math-like tokens (an identifier with ``_`` or ``^``, a
  Greek name, a relation, a single letter next to them) becomes inline math, the rest is escaped text;
* :func:`fix_math` -- SymPy-printed LaTeX made safe and conventional (``x'_{i}^{T}`` would be a double
  superscript in TeX; the transpose is printed ``^{\top}``).
"""

from __future__ import annotations

import re

from gdssm.reports.tex import TexMath, TexRaw, tex_escape

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu", "rho", "sigma", "tau",
         "phi", "psi", "omega", "Lambda", "Sigma", "Gamma", "Delta", "Omega", "Phi", "Psi")
_GREEK_RE = re.compile(r"(?<![A-Za-z\\])(" + "|".join(sorted(GREEK, key=len, reverse=True)) + r")(?![a-z])")
_WORDS = {"yhat": r"\hat y", "sum": r"\sum", "tr": r"\operatorname{tr}", "E": r"\mathbb{E}"}
_RELATIONS = {"!=": r"\neq", "<=": r"\le", ">=": r"\ge", "->": r"\to", "(.)": r"\odot", "~": r"\sim", "+-": r"\pm",
              "..": r"\dots", "*": r"\,"}
_KEEP = frozenset({"top", "times", "hat", "sum", "le", "ge", "neq", "to", "odot", "sim", "pm", "dots", "tilde",
                   "operatorname", "mathbb", *GREEK})
_OPERATORS = {"=", "!=", "<=", ">=", "<", ">", "+", "-", "->", "(.)", "~", "+-", "*", "/"}


def ascii_math(text: str) -> TexMath:
    """A string that is math throughout (``A_(t+1) = lambda A_t + y_(t+1) x_(t+1)^T``) as LaTeX math."""
    s = text.strip()
    s = s.replace("{", "\x00").replace("}", "\x01")  # keep the author's braces
    s = re.sub(r"\bgd_lr\b", lambda m: "\x02", s)
    s = re.sub(r"([A-Za-z])~", lambda m: "\\tilde\x00" + m.group(1) + "\x01", s)
    # HxH, 3x3, m x H: dimensions
    s = re.sub(r"\b([A-Za-z0-9])x([A-Za-z0-9])\b", r"\1 \\times \2", s)
    s = re.sub(r"\b([a-zA-Z0-9]) x ([A-Za-z0-9])\b(?!_)", r"\1 \\times \2", s) if re.search(r"\b\d\b|H", s) else s
    s = re.sub(r"(\w)\*", lambda m: m.group(1) + "^\x03", s)  # alpha* (an optimum), not a product
    for ascii_, tex in sorted(_RELATIONS.items(), key=lambda kv: -len(kv[0])):
        s = s.replace(ascii_, f" {tex} ")
    s = re.sub(r"\^T\b", r"^{\\top}", s)
    s = re.sub(r"_\(([^()]*)\)", lambda m: "_\x00" + m.group(1) + "\x01", s)
    s = re.sub(r"\^\(([^()]*)\)", lambda m: "^\x00" + (f"({m.group(1)})" if re.fullmatch(r"[a-z]", m.group(1))
               else m.group(1)) + "\x01", s)
    s = re.sub(r"_([a-z]{2,3})\b", lambda m: "_\x00" + m.group(1) + "\x01", s)
    s = re.sub(r"\byhat(?![A-Za-z])", r"\\hat y", s)
    s = re.sub(r"\bsum_", r"\\sum_", s)
    s = re.sub(r"\bsum\b", r"\\sum", s)
    s = re.sub(r"\btr\b", r"\\operatorname{tr}", s)
    s = _GREEK_RE.sub(lambda m: "\\" + m.group(1) + " ", s)
    s = re.sub(r"(?<![A-Za-z\\])([A-Za-z]{3,})(?![A-Za-z])",
               lambda m: m.group(1) if m.group(1) in _KEEP else rf"\mathrm{{{m.group(1)}}}", s)
    s = s.replace("\x00", "{").replace("\x01", "}").replace("\x02", r"\texttt{gd\_lr}").replace("\x03", "*")
    s = s.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")
    return fix_math(re.sub(r"\s+", " ", s).strip())


_TOKEN_RE = re.compile(r"\S+")
_LAW_RE = re.compile(r"\b[A-Za-z] ~ [A-Z]\([^()]*\)")
_OPEN = "(["
_CLOSE = ")].,;:"


_CODE_RE = re.compile(r"[\w./-]+\.(v|py|json|tex|pdf|log)|[a-z][a-z0-9]*(\.[a-z0-9_]+)+"
                      r"|(?!(?:" + "|".join(GREEK) + r")_)[a-z]{2,}(_[a-z]{2,})+\w*")
"""File names, claim ids and snake_case names: code, typeset in typewriter, never as math."""


def _strong(token: str) -> bool:
    """A token that is math on its own: an identifier with a subscript or superscript, a Greek name, a relation."""
    if _CODE_RE.fullmatch(token):
        return False
    if token in _OPERATORS or token in ("!=", "(.)"):
        return True
    if re.search(r"[A-Za-z0-9)\]~]_[A-Za-z0-9({]|\^[A-Za-z0-9({T]", token):
        return True
    if re.fullmatch(r"-?\d*(" + "|".join(GREEK) + r")(_\w+)?\*?", token) or _GREEK_RE.search(token):
        return True
    if token in ("yhat", "HxH", "3x3") or re.fullmatch(r"\d+x\d+|[A-Z]x[A-Z]", token):
        return True
    return bool(re.search(r"[a-zA-Z]\(.*[_^].*\)", token))


def _weak(token: str) -> bool:
    """A token that is math next to math: a single letter, a number, a short formula like ``q(G_t)``."""
    short = r"-?[A-Za-z]|-?\d+(/\d+)?|[\w+-]+\.\.[\w+-]+|[A-Za-z]\([A-Za-z0-9_,^ ]*\)|\d?[A-Za-z]|[A-Za-z]'"
    return bool(re.fullmatch(short, token)) and token not in ("a", "A")  # articles stay prose


def _split(token: str) -> tuple[str, str, str]:
    """Leading openers and trailing punctuation that belong to the prose, not to the formula."""
    lead = ""
    while token and token[0] in _OPEN and token.count(token[0]) > token.count({"(": ")", "[": "]"}[token[0]]):
        lead, token = lead + token[0], token[1:]
    trail = ""
    while token and token[-1] in _CLOSE:
        c = token[-1]
        if c in ")]" and token.count(c) <= token.count({")": "(", "]": "["}[c]):
            break
        if c == "." and token.endswith(".."):
            break
        trail, token = c + trail, token[:-1]
    return lead, token, trail


def prose(text: str) -> TexRaw:
    """Prose with its ASCII math typeset: runs of math tokens become ``\\(...\\)``, the rest is escaped."""
    if isinstance(text, TexMath):
        return TexRaw(rf"\({text}\)")
    if isinstance(text, TexRaw):
        return text
    pieces = _LAW_RE.split(str(text))
    if len(pieces) > 1:  # "x ~ U(-1/2, 1/2)": a distribution, math as a whole
        laws = _LAW_RE.findall(str(text))

        def spaced(piece: str) -> str:
            body = str(prose(piece)) if piece.strip() else ""
            return (" " if piece[:1].isspace() else "") + body + (" " if piece[-1:].isspace() and body else "")

        joined = [spaced(pieces[0])]
        for law, rest in zip(laws, pieces[1:], strict=True):
            joined += [rf"\({ascii_math(law)}\)", spaced(rest)]
        return TexRaw("".join(joined))
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(str(text))]
    parts = [_split(tok) for tok, _, _ in tokens]
    kind = ["strong" if _strong(core) else "weak" if _weak(core) else "" for _, core, _ in parts]
    # a weak token is math only when it touches a strong run (through other weak tokens, without punctuation)
    math = [k == "strong" for k in kind]
    changed = True
    while changed:
        changed = False
        for i, k in enumerate(kind):
            if k != "weak" or math[i]:
                continue
            left = i > 0 and math[i - 1] and not parts[i - 1][2] and not parts[i][0]
            right = i + 1 < len(kind) and math[i + 1] and not parts[i][2] and not parts[i + 1][0]
            if left or right:
                math[i] = changed = True
    # a lone single-letter weak token (``k GD steps``) is a variable too
    for i, k in enumerate(kind):
        if k == "weak" and not math[i] and re.fullmatch(r"-?[b-zB-HJ-Z]|[A-Za-z]'", parts[i][1]):
            math[i] = True
    out: list[str] = []
    i = 0
    source = str(text)
    while i < len(tokens):
        if not math[i]:
            lead, core, trail = parts[i]
            if _CODE_RE.fullmatch(core) and "_" in core:
                out.append(tex_escape(lead) + rf"\texttt{{{tex_escape(core)}}}" + tex_escape(trail))
            else:
                out.append(tex_escape(tokens[i][0]))
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and math[j + 1] and not parts[j][2] and not parts[j + 1][0]:
            j += 1
        lead, trail = parts[i][0], parts[j][2]
        body = source[tokens[i][1] + len(lead):tokens[j][2] - len(trail)]
        if trail.startswith(")") and body.count("(") > body.count(")"):
            trail = trail[1:]
        start = tokens[i][1] + len(lead)
        end = tokens[j][2] - len(trail)
        out.append(tex_escape(lead) + rf"\({ascii_math(source[start:end])}\)" + tex_escape(trail))
        i = j + 1
    return TexRaw(" ".join(out))


def fix_math(tex: str) -> TexMath:
    """SymPy's LaTeX made safe: ``x'_{i}^{T}`` braced (no double superscript), transposes as ``^{\\top}``,
    the gradient's subscript kept on the nabla (``\\nabla_{W} L``)."""
    s = str(tex)
    s = re.sub(r"([A-Za-z])'(_\{[^{}]*\}|_[A-Za-z0-9])\^", r"{\1'\2}^", s)
    s = re.sub(r"\^\{T\}", r"^{\\top}", s)
    s = re.sub(r"\^T\b", r"^{\\top}", s)
    s = re.sub(r"\\nabla_\{(W)\s*L_\{?N\}?\(W\)\}", r"\\nabla_{W} L_N(W)", s)
    return TexMath(s)


__all__ = ["ascii_math", "fix_math", "prose"]

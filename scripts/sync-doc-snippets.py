#!/usr/bin/env python3
"""Copies each compiled snippet into the ```swift block after its <!-- snippet: NAME --> line.

Snippets live between `// snippet: NAME` and `// end-snippet` in Swift files under
Tests/DocSamplesTests/ and Examples/ (compiled by the build; DocSnippetTests checks the copies).
Usage: scripts/sync-doc-snippets.py   (rewrites README.md and docs/*.md in place)
"""
import glob, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
snippets = {}
for path in glob.glob(f"{root}/Tests/DocSamplesTests/**/*.swift", recursive=True) + glob.glob(f"{root}/Examples/**/*.swift", recursive=True):
    name, body = None, []
    for line in open(path).read().split("\n"):
        stripped = line.lstrip(" ")
        if name is not None:
            if stripped == "// end-snippet":
                indent = min((len(l) - len(l.lstrip(" ")) for l in body if l.strip()), default=0)
                snippets[name] = "\n".join(l[indent:] if len(l) >= indent else "" for l in body)
                name, body = None, []
            else:
                body.append(line)
        elif stripped.startswith("// snippet: "):
            name = stripped[len("// snippet: "):]

missing = []
for md in [f"{root}/README.md"] + sorted(glob.glob(f"{root}/docs/*.md")):
    text = open(md).read()
    def fill(match):
        name = match.group(1)
        if name not in snippets:
            missing.append(f"{os.path.relpath(md, root)}: {name}")
            return match.group(0)
        return f"<!-- snippet: {name} -->\n```swift\n{snippets[name]}\n```"
    new = re.sub(r"<!-- snippet: (\S+) -->\n```swift\n.*?```", fill, text, flags=re.S)
    if new != text:
        open(md, "w").write(new)
if missing:
    sys.exit("no such snippet: " + ", ".join(missing))

#!/usr/bin/env python3
# Usage: scripts/regen-unit-modules.py tests/unit/*_modules.h
# Regenerates the byte arrays of tests/unit from the WAT in the comment above each one.
# A comment whose first line is "NAME: wat2wasm [FLAGS]" is followed by the WAT text; the array
# right after it is rewritten with wat2wasm's output. Other arrays are left alone.
import re, subprocess, sys, tempfile, os

PAT = re.compile(r'/\*(?P<com>(?:(?!\*/).)*?)\*/\s*static const uint8_t (?P<name>\w+)\[\] = \{(?P<body>[^}]*)\};', re.S)

def fmt(data):
    lines = []
    for i in range(0, len(data), 12):
        lines.append('    ' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    return '\n' + '\n'.join(lines) + '\n'

def regen(path):
    src = open(path).read()
    out, pos, n = [], 0, 0
    for m in PAT.finditer(src):
        com = m.group('com')
        lines = com.split('\n')
        head = lines[0].strip()
        hm = re.match(r'(\w+): wat2wasm(.*)$', head)
        if not hm:
            continue
        if hm.group(1) != m.group('name'):
            sys.exit('%s: comment names %s but array is %s' % (path, hm.group(1), m.group('name')))
        flags = hm.group(2).split()
        body = []
        for l in lines[1:]:
            l = re.sub(r'^\s*\*( |$)', '', l)
            body.append(l)
        wat = '\n'.join(body)
        with tempfile.TemporaryDirectory() as d:
            wp, bp = os.path.join(d, 'm.wat'), os.path.join(d, 'm.wasm')
            open(wp, 'w').write(wat)
            r = subprocess.run(['wat2wasm'] + flags + [wp, '-o', bp], capture_output=True, text=True)
            if r.returncode:
                sys.exit('%s: %s: wat2wasm failed:\n%s\n%s' % (path, m.group('name'), r.stderr, wat))
            data = open(bp, 'rb').read()
        out.append(src[pos:m.start('body')])
        out.append(fmt(data))
        pos = m.end('body')
        n += 1
    out.append(src[pos:])
    new = ''.join(out)
    if new != src:
        open(path, 'w').write(new)
    print('%s: %d arrays' % (path, n))

for p in sys.argv[1:]:
    regen(p)

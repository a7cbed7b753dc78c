"""Per-instruction counts of C2-compiled methods: see callgrind-instructions.sh.

usage: callgrind_instructions.py PRINT_OUTPUT CALLGRIND_OUT OPERATIONS METHOD...
PRINT_OUTPUT is the JVM's stdout with -XX:CompileCommand=print for the methods (code bytes, no hsdis needed),
CALLGRIND_OUT a callgrind output file written with --dump-instr=yes --compress-pos=no --compress-strings=no.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

BYTES = re.compile(r'^  (0x[0-9a-f]+): ((?:[0-9a-f]{2,8}\s*\|?\s*)+)$')
SOURCE = re.compile(r'^\s+; - (\S+)@(\d+) \(line (\d+)\)')
COST = re.compile(r'^0x[0-9a-f]+ \d+ \d+')


def compiled_methods(path):
    """Each 'Compiled method' block of the print output: its title, code bytes by address, source notes."""
    methods, current = [], None
    for line in open(path, errors='replace'):
        if line.startswith('Compiled method'):
            current = {'name': line.strip(), 'bytes': {}, 'notes': collections.defaultdict(list), 'done': False}
            methods.append(current)
            continue
        if current is None or current['done']:
            continue
        if line.startswith(('[Stub Code]', '[Exception Handler]')):
            current['done'] = True  # the method's own code ends here
            continue
        m = BYTES.match(line.rstrip('\n'))
        if m:
            address = int(m.group(1), 16)
            digits = ''.join(m.group(2).replace('|', ' ').split())
            for i in range(0, len(digits), 2):
                current['bytes'][address + i // 2] = int(digits[i:i + 2], 16)
            continue
        m = SOURCE.match(line)
        if m and current['bytes']:
            current['notes'][max(current['bytes']) + 1].append(
                '%s@%s L%s' % (m.group(1).split('.')[-1], m.group(2), m.group(3)))
    return methods


def self_costs(path):
    """Instructions executed at each address (self cost; the lines after calls= are call costs, skipped)."""
    cost, after_call = collections.Counter(), False
    for line in open(path, errors='replace'):
        if line.startswith('calls='):
            after_call = True
            continue
        if COST.match(line):
            if after_call:
                after_call = False
                continue
            fields = line.split()
            cost[int(fields[0], 16)] += int(fields[-1])
        elif not line.startswith(('fn=', 'cfn=', 'cob=', 'cfi=', 'cfl=')):
            after_call = False
    return cost


def main():
    print_output, callgrind_out, operations = sys.argv[1], sys.argv[2], float(sys.argv[3])
    wanted = [m.replace('::', '.').split('.')[-1] for m in sys.argv[4:]]
    cost = self_costs(callgrind_out)
    shown = 0.0
    for method in compiled_methods(print_output):
        if '(c2)' not in method['name'] or not method['bytes'] or not any(w in method['name'] for w in wanted):
            continue
        low, high = min(method['bytes']), max(method['bytes'])
        total = sum(c for a, c in cost.items() if low <= a <= high) / operations
        if total < 0.5:
            continue  # a version that did not run in the measured code
        with tempfile.NamedTemporaryFile(suffix='.bin', delete=False) as code:
            code.write(bytes(method['bytes'].get(a, 0) for a in range(low, high + 1)))
        try:
            listing = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64',
                                      '--adjust-vma=%#x' % low, code.name],
                                     capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(code.name)
        shown += total
        print('=== %s: %.1f instructions per operation' % (method['name'], total))
        for line in listing.splitlines():
            m = re.match(r'^\s*([0-9a-f]+):\t(.*)$', line)
            if m:
                address = int(m.group(1), 16)
                notes = method['notes'].get(address)
                print('%8.2f  %x  %s%s' % (cost.get(address, 0) / operations, address, m.group(2).split('\t')[-1],
                                           '   <' + ' '.join(notes) + '>' if notes else ''))
    if shown < 5:
        # Seen once: the version HotSpot printed was not the one that ran (about 1 per operation); run again.
        print('no printed C2 version of %s ran much (%.1f per operation in all): run again' % (wanted, shown),
              file=sys.stderr)


if __name__ == '__main__':
    main()

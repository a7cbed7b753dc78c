"""Per-method instruction counts of two callgrind runs (N and 3N operations), JIT addresses resolved through
each run's perf map (-XX:+DumpPerfMapAtExit). Used by callgrind-methods.sh; arguments:
out(N) map(N) out(3N) map(3N) N [top]."""
import bisect
import collections
import re
import sys


def load_map(path):
    entries = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip('\n').split(' ', 2)
            if len(parts) == 3:
                try:
                    entries.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
                except ValueError:
                    pass
    entries.sort()
    return entries


def self_costs(path):
    """Self cost (Ir) per (function, object) of a callgrind output file."""
    fn_names, ob_names = {}, {}
    cost = collections.Counter()
    current, current_ob, skip = None, None, False
    with open(path) as f:
        for line in f:
            if line.startswith('fn='):
                m = re.match(r'fn=\((\d+)\)(?: (.*))?', line.strip())
                if m:
                    if m.group(2):
                        fn_names[m.group(1)] = m.group(2)
                    current = (fn_names.get(m.group(1)), current_ob)
                else:
                    current = (line[3:].strip(), current_ob)
            elif line.startswith('ob='):
                m = re.match(r'ob=\((\d+)\)(?: (.*))?', line.strip())
                if m:
                    if m.group(2):
                        ob_names[m.group(1)] = m.group(2)
                    current_ob = ob_names.get(m.group(1))
            elif line.startswith(('cfn=', 'cob=')):
                m = re.match(r'(cfn|cob)=\((\d+)\)(?: (.*))?', line.strip())
                if m and m.group(3):
                    (fn_names if m.group(1) == 'cfn' else ob_names)[m.group(2)] = m.group(3)
            elif line.startswith('calls='):
                skip = True  # the next cost line is the call's inclusive cost
            elif line[:1].isdigit() or line[:1] in '+-*':
                if skip:
                    skip = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and current is not None:
                    try:
                        cost[current] += int(parts[1])
                    except ValueError:
                        pass
    return cost


def by_method(cost, entries):
    starts = [e[0] for e in entries]
    out = collections.Counter()
    for (fn, ob), c in cost.items():
        name = fn or '?'
        m = re.match(r'0x([0-9a-f]+)', name)
        if m:
            address = int(m.group(1), 16)
            i = bisect.bisect_right(starts, address) - 1
            name = 'JIT ' + entries[i][2] if i >= 0 and address < entries[i][0] + entries[i][1] else 'unresolved code'
        else:
            name = name + ' [' + (ob or '').split('/')[-1] + ']'
        out[name] += c
    return out


def main():
    one = by_method(self_costs(sys.argv[1]), load_map(sys.argv[2]))
    three = by_method(self_costs(sys.argv[3]), load_map(sys.argv[4]))
    n = int(sys.argv[5])
    top = int(sys.argv[6]) if len(sys.argv) > 6 else 25
    diff = {k: (three[k] - one[k]) / (2 * n) for k in set(one) | set(three)}
    print('total: %.0f instructions/op' % sum(diff.values()))
    # The Java code alone (JIT-compiled, stubs, interpreter): without the JIT compiler's own threads, whose work
    # differs between the two runs and shows as large +- lines of libjvm, and without libc (a resize's memset).
    # Steadier than the total when where C2 inlines differs between the runs, which moves cost between methods.
    print('java code: %.0f instructions/op' % sum(v for k, v in diff.items() if k.startswith('JIT ')))
    for name, value in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:top]:
        print('%8.1f  %s' % (value, name))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Extract one C2 nmethod from a -XX:+PrintAssembly log and summarise its loops.

usage:
  python3 loops.py LOG METHOD                 list the C2 compilations of METHOD found in LOG
  python3 loops.py LOG METHOD --dump FILE     write the last C2 (non-OSR) compilation's text to FILE
  python3 loops.py LOG METHOD --loops [--guards]
                                              instruction mix of every loop (backward branch) in it; with
                                              --guards, each branch leaving the loop and the trap it leads to
  python3 loops.py LOG METHOD --range A B     print instructions with address in [A, B] (hex), trimmed

METHOD is matched as a substring of the 'Compiled method (c2) ...' header, e.g.
'SimdKernels::scaledSquaredDistanceSliced ' (keep the trailing space to exclude longer names).

A loop is reported for every conditional or unconditional jump whose target lies at or before the jump,
inside the same nmethod; its body is taken as the address range [target, jump] as laid out (C2 lays out
the hot loop bodies contiguously; out-of-line blocks such as uncommon-trap calls are not in the range,
and jumps to them are counted as branches).
Addresses in the output are offsets from the nmethod's first instruction, so runs can be compared.
"""
import re
import sys

HEADER = re.compile(r'^Compiled method \((c1|c2)\)\s+\d+\s+(\d+)\s+(%?)\s*(\d)\s+(\S+)')
INSN = re.compile(r'^\s+0x([0-9a-f]+):\s+(\S+)\s*(.*?)\s*$')


def compilations(lines, method):
    """Yield (start, end, header) line ranges of C2 compilations whose header contains method."""
    starts = [i for i, l in enumerate(lines) if l.startswith('Compiled method (')]
    starts.append(len(lines))
    for a, b in zip(starts, starts[1:]):
        h = lines[a]
        if h.startswith('Compiled method (c2)') and method in h:
            # the block ends at the next header or at the end of the instructions
            end = b
            for j in range(a, b):
                if lines[j].startswith('[/Disassembly]') or lines[j].startswith('[Stub Code]'):
                    end = j
                    break
            yield a, end, h.strip()


def parse(block):
    out = []
    for l in block:
        m = INSN.match(l)
        if not m:
            if out and l.strip().startswith(';'):
                out[-1]['comment'] += ' ' + l.strip()
            continue
        addr = int(m.group(1), 16)
        mnem = m.group(2)
        rest = m.group(3)
        ops, _, comment = rest.partition(';')
        out.append({'addr': addr, 'mnem': mnem, 'ops': ops.strip(), 'comment': comment.strip(), 'line': l})
    return out


MEM = re.compile(r'(byte|word|dword|qword|xmmword|ymmword|zmmword) ptr \[([^\]]*)\]')


def classify(ins):
    m, ops, c = ins['mnem'], ins['ops'], ins['comment']
    mem = MEM.search(ops)
    first = ops.split(',')[0] if ops else ''
    is_vec = m.startswith('v') or 'mm' in ops
    kinds = []
    if '{poll}' in c or '{poll_return}' in c:
        return ['poll']
    if m.startswith('j'):
        return ['jcc' if m != 'jmp' else 'jmp']
    if m in ('cmp', 'test'):
        kinds.append('cmp')
        if mem and 'rsp' in mem.group(2):
            kinds.append('stack')
        return kinds
    if mem:
        stack = 'rsp' in mem.group(2)
        store = MEM.search(first) is not None
        if m in ('lea',):
            return ['alu']
        if is_vec:
            if store:
                kinds.append('vstore')
            elif m.startswith('vmov') or m.startswith('vbroadcast'):
                kinds.append('vload')
            else:
                kinds.append('vload')  # memory operand folded into an arithmetic op
                kinds.append('fma' if 'fmadd' in m or 'fmsub' in m else 'valu')
            width = mem.group(1)
            kinds.append(width)
        else:
            kinds.append('store' if store else 'load')
        if stack:
            kinds.append('stack')
        return kinds
    if is_vec:
        if 'fmadd' in m or 'fmsub' in m:
            return ['fma']
        if m.startswith('vmov') and ('xmm' in ops or 'ymm' in ops or 'zmm' in ops) and not any(
                r in ops for r in ('rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r1', 'e')):
            return ['vmov']
        if m.startswith('vmov'):
            return ['gpr<->vec']
        return ['valu']
    return ['alu']


def loops(ins):
    base = ins[0]['addr']
    found = []
    for k, x in enumerate(ins):
        if not x['mnem'].startswith('j'):
            continue
        m = re.match(r'0x([0-9a-f]+)', x['ops'])
        if not m:
            continue
        t = int(m.group(1), 16)
        if ins[0]['addr'] <= t <= x['addr']:
            found.append((t, x['addr']))
    return base, sorted(set(found))


# JDK 25's Deoptimization::DeoptReason and DeoptAction, in enum order (the order of the _trap_reason_name
# strings in libjvm.so; the codes below 9 have been stable for many releases). A C2 uncommon trap passes
# ~((reason << 3) | action) in esi.
REASONS = ['none', 'null_check', 'null_assert', 'range_check', 'class_check', 'array_check', 'intrinsic',
           'bimorphic', 'profile_predicate', 'auto_vectorization_check', 'unloaded', 'uninitialized',
           'initialized', 'unreached', 'unhandled', 'constraint', 'div0_check', 'age', 'predicate',
           'loop_limit_check', 'speculate_class_check', 'speculate_null_check', 'speculate_null_assert',
           'unstable_if', 'unstable_fused_if', 'receiver_constraint']
ACTIONS = ['none', 'maybe_recompile', 'reinterpret', 'make_not_entrant', 'make_not_compilable']


def decode_request(imm):
    v = ~(imm - (1 << 32) if imm >= 1 << 31 else imm)
    reason, action = (v >> 3) & 31, v & 7
    r = REASONS[reason] if reason < len(REASONS) else str(reason)
    a = ACTIONS[action] if action < len(ACTIONS) else str(action)
    return '%s/%s' % (r, a)


def trap_reason(ins, target, hops=6):
    """Where a branch to target ends: the uncommon trap it reaches (straight-line, following jmps), or None."""
    idx = {x['addr']: k for k, x in enumerate(ins)}
    k = idx.get(target)
    request = None
    while k is not None and hops > 0:
        x = ins[k]
        m = re.match(r'esi, (0x[0-9a-f]+)$', x['ops'])
        if x['mnem'] == 'mov' and m:
            request = decode_request(int(m.group(1), 16))
        if x['mnem'] == 'call':
            c = x['comment']
            if 'UncommonTrapBlob' not in c:
                return None
            what = re.search(r';?\*(\S+)', c)
            frames = re.findall(r'- (?:\(reexecute\) )?([\w.$]+::\w+)@(\d+)(?: \(line (\d+)\))?', c)
            inner = frames[0] if frames else ('?', '?', '?')
            kernel = [f for f in frames if 'clipstream' in f[0]]
            kf = kernel[-1] if kernel else inner
            return 'trap[%s] %s in %s (%s@%s line %s)' % (request or '?', what.group(1) if what else '?',
                                                           inner[0].split('.')[-1], kf[0].split('.')[-1], kf[1], kf[2])
        if x['mnem'] == 'jmp':
            m = re.match(r'0x([0-9a-f]+)', x['ops'])
            if not m:
                return None
            k = idx.get(int(m.group(1), 16))
            hops -= 1
            continue
        if x['mnem'] in ('ret',) or x['mnem'].startswith('j'):
            return None
        k += 1
    return None


def guards(ins, lo, hi):
    """Conditional branches in [lo, hi] that leave the range, with what they lead to."""
    base = ins[0]['addr']
    out = []
    for k, x in enumerate(ins):
        if not (lo <= x['addr'] <= hi) or not x['mnem'].startswith('j') or x['mnem'] == 'jmp':
            continue
        m = re.match(r'0x([0-9a-f]+)', x['ops'])
        if not m:
            continue
        t = int(m.group(1), 16)
        if lo <= t <= hi:
            continue
        prev = ins[k - 1]
        why = trap_reason(ins, t) or 'exit to +0x%04x' % (t - base)
        out.append('    +0x%04x %-5s after %-5s %-36s -> %s' % (x['addr'] - base, x['mnem'], prev['mnem'],
                                                               prev['ops'][:36], why))
    return out


def summary(ins, lo, hi):
    body = [x for x in ins if lo <= x['addr'] <= hi]
    counts = {}
    widths = {}
    for x in body:
        ks = classify(x)
        for k in ks:
            counts[k] = counts.get(k, 0) + 1
        if 'vload' in ks or 'vstore' in ks:
            for w in ('zmmword', 'ymmword', 'xmmword', 'dword'):
                if w in ks:
                    widths[w] = widths.get(w, 0) + 1
    return len(body), counts, widths


def main():
    log, method = sys.argv[1], sys.argv[2]
    lines = open(log, errors='replace').read().split('\n')
    comps = list(compilations(lines, method))
    if not comps:
        sys.exit('no C2 compilation of %r in %s' % (method, log))
    if len(sys.argv) == 3:
        for a, b, h in comps:
            print('lines %d-%d: %s' % (a + 1, b, h))
        return
    normal = [c for c in comps if ' % ' not in c[2] and '%' not in c[2].split()[4]]
    a, b, h = (normal or comps)[-1]
    block = lines[a:b]
    ins = parse(block)
    base = ins[0]['addr']
    mode = sys.argv[3]
    if mode == '--dump':
        with open(sys.argv[4], 'w') as f:
            f.write('\n'.join(block) + '\n')
        print('wrote %s (%d lines): %s' % (sys.argv[4], len(block), h))
    elif mode == '--loops':
        print(h)
        print('nmethod code: %d instructions, %d bytes' % (len(ins), ins[-1]['addr'] - base))
        _, ls = loops(ins)
        # each leaving branch is listed once, under the smallest loop that contains it
        owner = {}
        if '--guards' in sys.argv:
            for lo, hi in sorted(ls, key=lambda r: r[1] - r[0], reverse=True):
                for x in ins:
                    if lo <= x['addr'] <= hi:
                        owner[x['addr']] = (lo, hi)
        for lo, hi in ls:
            n, counts, widths = summary(ins, lo, hi)
            order = ['vload', 'vstore', 'fma', 'valu', 'vmov', 'gpr<->vec', 'load', 'store', 'alu', 'cmp',
                     'jcc', 'jmp', 'poll', 'stack']
            desc = ' '.join('%s=%d' % (k, counts[k]) for k in order if k in counts)
            w = ' '.join('%s=%d' % kv for kv in sorted(widths.items()))
            print('loop +0x%04x..+0x%04x: %3d insns  %s  [mem widths: %s]' % (lo - base, hi - base, n, desc, w))
            if '--guards' in sys.argv and n < 400:
                for g in guards(ins, lo, hi):
                    at = int(g.split()[0][1:], 16) + base
                    if owner.get(at) == (lo, hi):
                        print(g)
    elif mode == '--range':
        lo = int(sys.argv[4], 16)
        hi = int(sys.argv[5], 16)
        if lo < base:
            lo += base
            hi += base
        for x in ins:
            if lo <= x['addr'] <= hi:
                c = x['comment']
                c = re.sub(r'ImmutableOopMap \{[^}]*\}', '', c)
                c = c if len(c) < 120 else c[:117] + '...'
                print('+0x%04x: %-12s %-48s%s' % (x['addr'] - base, x['mnem'], x['ops'],
                                                   ('; ' + c) if c else ''))


if __name__ == '__main__':
    main()

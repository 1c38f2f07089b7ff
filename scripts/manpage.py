#!/usr/bin/python3
'''Writes sonyctl(1) in troff from `sonyctl --experimental-dump-help` (swift-argument-parser's
description of every command, option and text), so the page never drifts from the parser.

    sonyctl --experimental-dump-help | manpage.py > sonyctl.1'''
import json
import sys


def esc(text):
    out = (text or '').replace('\\', '\\e').replace('-', '\\-')
    return '\n'.join(('\\&' + line) if line.startswith(('.', "'")) else line for line in out.split('\n'))


def synopsis(name, args):
    parts = []
    for a in args:
        if not a.get('shouldDisplay', True) or a.get('kind') == 'flag' and a.get('valueName') in ('help', 'version'):
            continue
        if a['kind'] == 'positional':
            word = f"\\fI{a['valueName']}\\fR"
        else:
            word = f"\\fB\\-\\-{a['preferredName']['name']}\\fR"
            if a['kind'] == 'option':
                word += f" \\fI{a['valueName']}\\fR"
        parts.append(f'[{word}]' if a.get('isOptional') else word)
    return f"\\fB{name}\\fR " + ' '.join(parts)


def options(args):
    lines = []
    for a in args:
        if not a.get('shouldDisplay', True) or a.get('valueName') in ('help', 'version'):
            continue
        if a['kind'] == 'positional':
            head = f"\\fI{a['valueName']}\\fR"
        else:
            names = [('\\-' if n['kind'] == 'short' else '\\-\\-') + esc(n['name']) for n in a.get('names', [])]
            head = ', '.join(f'\\fB{n}\\fR' for n in names)
            if a['kind'] == 'option':
                head += f" \\fI{a['valueName']}\\fR"
        lines += ['.TP', head, esc(a.get('abstract', ''))]
        if a.get('allValues'):
            lines.append('One of: ' + esc(', '.join(a['allValues'])) + '.')
    return lines


def main():
    tool = json.load(sys.stdin)['command']
    name = tool['commandName']
    discussion = tool.get('discussion', '')
    body, _, exits = discussion.partition('EXIT STATUS')
    out = [f'.TH {name.upper()} 1', '.SH NAME', f"{name} \\- {esc(tool['abstract'])}", '.SH SYNOPSIS',
           f"\\fB{name}\\fR \\fIcommand\\fR [\\fIoptions\\fR]", '.SH DESCRIPTION', esc(body.strip()), '.SH COMMANDS']
    for sub in tool.get('subcommands', []):
        if sub['commandName'] == 'help':
            continue
        args = sub.get('arguments', [])
        out += ['.SS ' + synopsis(f"{name} {sub['commandName']}", args), esc(sub.get('abstract', ''))]
        if sub.get('discussion'):
            out += ['.PP', esc(sub['discussion'])]
        out += ['.RS'] + options(args) + ['.RE']
    out += ['.SH "EXIT STATUS"']
    for line in exits.strip().split('\n'):
        code, _, meaning = line.strip().partition(' ')
        out += ['.TP', f'\\fB{code}\\fR', esc(meaning.strip())]
    out += ['.SH ENVIRONMENT', '.TP', '\\fBNO_COLOR\\fR', 'When set and not empty, no colour is used.',
            '.TP', '\\fBDBUS_SYSTEM_BUS_ADDRESS\\fR', 'The system bus to find sonyctld on.',
            '.SH "SEE ALSO"', '\\fBsystemctl\\fR(1), \\fBbluetoothctl\\fR(1)']
    print('\n'.join(out))


if __name__ == '__main__':
    main()

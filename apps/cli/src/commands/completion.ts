/**
 * `weft completion bash|zsh`: a completion script built from the command tree itself, so
 * a new command or option completes without editing this file.
 */
import type { Command } from 'commander';

interface Entry {
  name: string;
  description: string;
  options: string[];
}

function entries(program: Command): Entry[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description().replace(/'/g, ''),
    // A command with subcommands (`identity rotate`) completes their names and options too.
    options: [
      ...c.commands.map((sub) => sub.name()),
      ...[...c.options, ...c.commands.flatMap((sub) => sub.options), ...program.options].flatMap((o) =>
        [o.long, o.short].filter((f): f is string => !!f),
      ),
    ].filter((o, i, all) => all.indexOf(o) === i),
  }));
}

function bash(program: Command): string {
  const list = entries(program);
  const cases = list.map((e) => `    ${e.name}) opts="${e.options.join(' ')} --help" ;;`).join('\n');
  return `# bash completion for weft; load with: source <(weft completion bash)
_weft() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${list.map((e) => e.name).join(' ')} help" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  case "\${COMP_WORDS[COMP_CWORD-1]}" in
    -f|--filename) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -o|--output) COMPREPLY=( $(compgen -W "table json yaml" -- "$cur") ); return ;;
    -w|--window) COMPREPLY=( $(compgen -W "1m 5m 15m 1h" -- "$cur") ); return ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _weft weft
`;
}

function zsh(program: Command): string {
  const list = entries(program);
  const commands = list.map((e) => `    '${e.name}:${e.description}'`).join('\n');
  const cases = list
    .map(
      (e) =>
        `    ${e.name}) _arguments ${[...e.options, '--help'].map((o) => `'${o}[]'`).join(' ')} '*:file:_files' ;;`,
    )
    .join('\n');
  return `#compdef weft
# zsh completion for weft; load with: source <(weft completion zsh)
_weft() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _weft weft
`;
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      `
Examples:
  $ source <(weft completion bash)        # in ~/.bashrc
  $ source <(weft completion zsh)         # in ~/.zshrc`,
    )
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bash(program));
      else if (shell === 'zsh') process.stdout.write(zsh(program));
      else {
        process.stderr.write(`weft: completion: "${shell}" is not a supported shell; use bash or zsh\n`);
        process.exitCode = 2;
      }
    });
}

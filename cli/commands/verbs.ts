import type { Command } from 'commander';

/** The verb command (`create`, `get`, `list`, `delete`) that another module may have registered already; else a new one. */
export function verb(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((command) => command.name() === name) ??
    program.command(name).description(description)
  );
}

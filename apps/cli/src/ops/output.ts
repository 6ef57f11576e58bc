/** Where a command prints: stdout by default, a collector in tests. */
export interface CommandOutput {
  line(text: string): void;
}

export const stdout: CommandOutput = { line: (text) => console.log(text) };

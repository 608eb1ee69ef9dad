import { execFileSync } from 'node:child_process';

/** CLI tests run the compiled CLI exactly as users do, so compile it once before the suites. */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
}

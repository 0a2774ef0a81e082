/**
 * The desktop app's main-process entry (bundled to dist/main/electron.cjs). `Lathe --cli <command> ...`
 * runs the CLI inside the app, for machines that have the packaged app and no Node (the packaged app's
 * RunAsNode fuse is off, so ELECTRON_RUN_AS_NODE cannot do it); anything else opens the window.
 * Both are imported lazily so that each mode loads only its own module graph.
 */
const cliAt = process.argv.indexOf('--cli');

if (cliAt >= 0) {
  void import('./cliMode').then((m) => m.runCliMode(process.argv.slice(cliAt + 1)));
} else {
  void import('./main');
}

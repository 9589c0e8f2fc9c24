// kura sets a few V8 flags on itself (heap-growth.ts, pretenuring.ts). An
// operator who starts node with one of them has chosen, and keeps the choice.

/** Whether node's command line gives V8's flag `name`, in either spelling (- or _) or its --no- form. */
export function operatorChose(
  name: string,
  execArgv: readonly string[] = process.execArgv,
): boolean {
  const spelled = name.replace(/[-_]/g, '[-_]');
  const given = new RegExp(`^--(no[-_])?${spelled}(=|$)`);
  return execArgv.some((a) => given.test(a));
}

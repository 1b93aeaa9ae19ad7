/**
 * How a form's fields become the value it submits: each form has a pure `check` (fields as typed in,
 * the shared zod schema decides, one message per field naming it out) and this wraps it as a zod
 * schema for react-hook-form's zodResolver, so the form and its tests use the same function.
 */
import { z } from 'zod';

export type FieldErrors<F extends string> = Partial<Record<F, string>>;
export type Checked<F extends string, Out> = { ok: true; value: Out } | { ok: false; errors: FieldErrors<F> };

/** A zod schema whose input is the form's fields and whose output is what the form submits. */
export function formSchema<Fields extends object, Out>(check: (fields: Fields) => Checked<string, Out>) {
  return z
    .custom<Fields>((v) => typeof v === 'object' && v !== null)
    .transform((fields, ctx): Out => {
      const r = check(fields);
      if (r.ok) return r.value;
      let reported = false;
      for (const [path, message] of Object.entries(r.errors) as [string, string | undefined][]) {
        if (!message) continue;
        ctx.addIssue({ code: 'custom', path: [path], message });
        reported = true;
      }
      // Not ok without a field to blame (the ConvNet form's layer stack reports its own problem).
      if (!reported) ctx.addIssue({ code: 'custom', path: ['root'], message: 'cannot be submitted yet' });
      return z.NEVER;
    });
}

/** The errors in the order of the form's labels (the error banner and the first focus follow it). */
export function inFormOrder<F extends string>(errors: FieldErrors<F>, labels: Record<F, string>): FieldErrors<F> {
  const ordered: FieldErrors<F> = {};
  for (const k of Object.keys(labels) as F[]) if (errors[k]) ordered[k] = errors[k];
  return ordered;
}

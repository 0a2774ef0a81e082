import type { ReactNode } from 'react';

/** Cancel + submit for a dialog whose body holds `<form id={formId}>`. */
export function FormFooter(props: { formId: string; onCancel: () => void; disabled: boolean; testId: string; children: ReactNode }) {
  return (
    <>
      <button type="button" className="button" onClick={props.onCancel}>
        Cancel
      </button>
      <button type="submit" form={props.formId} className="button primary" disabled={props.disabled} data-testid={props.testId}>
        {props.children}
      </button>
    </>
  );
}

/** A form that submits through `onSubmit` without a page navigation. */
export function DialogForm(props: { id: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      id={props.id}
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}

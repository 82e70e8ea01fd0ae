import { type Entitlement, post, request, SignInRequired } from '../api';
import { h, time } from '../dom';
import { problemView } from '../problems';

/** POST …/reversals answers (README "Reversals"). */
export interface ReversalView {
  reversalId: string | null;
  userId: string;
  entitlementKey: string;
  dedupKey: string;
  amount: number;
  remaining: number;
  periodStart: string;
  periodEnd: string | null;
  current: boolean;
  used: number;
}

/** A fresh Idempotency-Key: crypto.randomUUID where the page is a secure context, else a v4 UUID by hand. */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let ids = 0;

/** A labelled input: label then control, ids unique on the page. */
function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  const id = `action-${++ids}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) {
    control.setAttribute('aria-describedby', hintId);
  }
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
  );
}

function select(name: string, values: string[], value: string): HTMLSelectElement {
  const element = h('select', { name }, ...values.map((v) => h('option', { value: v }, v)));
  element.value = value;
  return element;
}

export interface ActionsOptions {
  /** /api/v1/entitlements/{u}/{k} */
  base: string;
  /** The state as the page shows it now. */
  state: () => Entitlement;
  /** After a successful change: the page re-reads the entitlement and redraws everything. */
  changed: () => Promise<void>;
}

/**
 * Runs one action of a form: the button is disabled meanwhile, an error is shown in the form with its code and detail,
 * a success with a message, after which the page redraws.
 */
async function perform(
  form: HTMLElement,
  outcome: HTMLElement,
  buttons: HTMLButtonElement[],
  action: () => Promise<string>,
  options: ActionsOptions,
): Promise<void> {
  buttons.forEach((b) => (b.disabled = true));
  outcome.replaceChildren();
  form.setAttribute('aria-busy', 'true');
  try {
    const message = await action();
    outcome.replaceChildren(h('p', { class: 'done', role: 'status' }, message));
    await options.changed();
  } catch (error) {
    if (error instanceof SignInRequired) {
      throw error;
    }
    outcome.replaceChildren(problemView(error));
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute('aria-busy');
  }
}

function reverseForm(options: ActionsOptions): HTMLElement {
  const key = h('input', { name: 'dedupKey', required: true, autocomplete: 'off', spellcheck: 'false' });
  const amount = h('input', { name: 'amount', type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, autocomplete: 'off' });
  const previewButton = h('button', { type: 'submit' }, 'Preview');
  const preview = h('div', { class: 'reversal-preview', 'aria-live': 'polite' });
  const outcome = h('div', { class: 'action-outcome' });
  const form = h(
    'form',
    { class: 'action reverse' },
    field('Dedup key of the usage', key, 'its idempotencyKey, or its SQS message id when it had none'),
    field('Amount (optional)', amount, 'empty: all that is left unreversed'),
    field('Reason (required)', reason),
    previewButton,
    preview,
    outcome,
  );
  const body = () => ({
    dedupKey: key.value.trim(),
    amount: amount.value === '' ? undefined : Number(amount.value),
    reason: reason.value,
  });
  // a preview is for exactly what the form says: any edit asks for a new one
  form.addEventListener('input', () => preview.replaceChildren());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const asked = body();
    const before = options.state().usage?.used ?? 0;
    void perform(
      form,
      outcome,
      [previewButton],
      async () => {
        preview.replaceChildren();
        const dry = await post<ReversalView>(`${options.base}/reversals`, asked, { query: { dryRun: true } });
        showPreview(asked, before, dry);
        return 'Preview ready: nothing has been reversed yet.';
      },
      { ...options, changed: async () => {} },
    );
  });

  function showPreview(asked: ReturnType<typeof body>, before: number, dry: ReversalView): void {
    // made once per preview: a second click, or a retry after a lost answer, reverses once
    const idempotency = idempotencyKey();
    const confirm = h('button', { type: 'button', class: 'danger' }, 'Confirm reversal');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    preview.replaceChildren(
      h(
        'div',
        { class: 'preview', 'data-before': before, 'data-after': dry.used, 'data-current': String(dry.current) },
        h('h4', {}, 'Preview'),
        h(
          'dl',
          {},
          h('dt', {}, 'Reverses'),
          h('dd', {}, `${dry.amount} of `, h('code', {}, dry.dedupKey), `, leaving ${dry.remaining} unreversed`),
          h('dt', {}, 'Its window'),
          h('dd', {}, time(dry.periodStart), ' – ', dry.periodEnd ? time(dry.periodEnd) : '…', dry.current ? ' (current)' : ' (earlier)'),
          h('dt', {}, 'Used now'),
          h(
            'dd',
            { class: 'preview-used' },
            h('span', { class: 'used-before' }, String(before)),
            ' → ',
            h('span', { class: 'used-after' }, String(dry.used)),
          ),
        ),
        dry.current
          ? null
          : h('p', { class: 'hint' }, `The usage is in an earlier window: that window's total drops by ${dry.amount}; the current count stays.`),
        h('div', { class: 'buttons' }, confirm, cancel),
      ),
    );
    confirm.focus();
    cancel.addEventListener('click', () => {
      preview.replaceChildren();
      previewButton.focus();
    });
    confirm.addEventListener('click', () => {
      void perform(
        form,
        outcome,
        [confirm, cancel, previewButton],
        async () => {
          const done = await post<ReversalView>(`${options.base}/reversals`, asked, {
            headers: { 'Idempotency-Key': idempotency },
          });
          preview.replaceChildren();
          key.value = '';
          amount.value = '';
          reason.value = '';
          return `Reversed ${done.amount} of ${done.dedupKey}; used is now ${done.used}.`;
        },
        options,
      );
    });
  }

  return h('section', { class: 'action-box' }, h('h3', {}, 'Reverse a usage'), form);
}

function activationForm(options: ActionsOptions): { element: HTMLElement; update: () => void } {
  const reason = h('input', { name: 'reason', maxlength: 500, autocomplete: 'off' });
  const button = h('button', { type: 'submit', class: 'activation' });
  const outcome = h('div', { class: 'action-outcome' });
  const form = h('form', { class: 'action activation' }, field('Reason (optional)', reason), button, outcome);
  const update = () => {
    button.textContent = options.state().active ? 'Deactivate' : 'Activate';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const verb = options.state().active ? 'deactivate' : 'activate';
    void perform(
      form,
      outcome,
      [button],
      async () => {
        const text = reason.value.trim();
        await post<Entitlement>(`${options.base}/${verb}`, text ? { reason: text } : undefined);
        reason.value = '';
        return verb === 'deactivate' ? 'Deactivated.' : 'Activated.';
      },
      options,
    );
  });
  update();
  return {
    element: h('section', { class: 'action-box' }, h('h3', {}, 'Deactivate or activate'), form),
    update,
  };
}

function resetForm(options: ActionsOptions): HTMLElement {
  const reason = h('input', { name: 'reason', required: true, maxlength: 500, autocomplete: 'off' });
  const button = h('button', { type: 'submit', class: 'danger' }, 'Reset the count to 0');
  const outcome = h('div', { class: 'action-outcome' });
  const form = h('form', { class: 'action reset' }, field('Reason (required)', reason), button, outcome);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void perform(
      form,
      outcome,
      [button],
      async () => {
        const after = await post<Entitlement>(`${options.base}/reset`, { reason: reason.value });
        reason.value = '';
        return `Reset: used is now ${after.usage?.used ?? 0}.`;
      },
      options,
    );
  });
  return h('section', { class: 'action-box' }, h('h3', {}, 'Manual reset'), form);
}

function policyForm(options: ActionsOptions): { element: HTMLElement; update: () => void } {
  const limit = h('input', { name: 'limit', type: 'number', min: 0, step: 1, required: true, inputmode: 'numeric' });
  const period = select('period', ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'NONE'], 'MONTHLY');
  const anchor = h('input', { name: 'anchor', autocomplete: 'off', spellcheck: 'false', placeholder: '2025-01-01T00:00:00Z' });
  const overLimit = select('overLimit', ['REJECT', 'RECORD_OVERAGE'], 'REJECT');
  const button = h('button', { type: 'submit' }, 'Change the policy');
  const outcome = h('div', { class: 'action-outcome' });
  const form = h(
    'form',
    { class: 'action policy' },
    field('Limit', limit),
    field('Period', period),
    field('Anchor (optional)', anchor, 'an ISO-8601 instant; empty: calendar-aligned in UTC'),
    field('Over the limit', overLimit),
    button,
    outcome,
  );
  const update = () => {
    const usage = options.state().usage;
    if (usage) {
      limit.value = String(usage.limit);
      period.value = usage.period;
      anchor.value = usage.anchor ?? '';
      overLimit.value = usage.overLimit;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void perform(
      form,
      outcome,
      [button],
      async () => {
        const after = await request<Entitlement>('PUT', `${options.base}/usage`, {
          body: {
            limit: Number(limit.value),
            period: period.value,
            anchor: anchor.value.trim() || null,
            overLimit: overLimit.value,
          },
        });
        return after.usage
          ? `The policy is now ${after.usage.limit} per ${after.usage.period} (${after.usage.overLimit}).`
          : 'Usage is no longer tracked.';
      },
      options,
    );
  });
  update();
  return { element: h('section', { class: 'action-box' }, h('h3', {}, 'Change the policy'), form), update };
}

/** ADMIN's actions on the entitlement; the page shows them to ADMIN only (the API refuses READER anyway). */
export function actionsPanel(options: ActionsOptions): { element: HTMLElement; update: () => void } {
  const activation = activationForm(options);
  const policy = policyForm(options);
  const tracked = options.state().usage !== null;
  const element = h(
    'section',
    { class: 'panel actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    h('p', { class: 'hint' }, 'Every action is recorded in the admin audit trail.'),
    h(
      'div',
      { class: 'action-grid' },
      tracked ? reverseForm(options) : null,
      activation.element,
      tracked ? resetForm(options) : null,
      policy.element,
    ),
  );
  return {
    element,
    update: () => {
      activation.update();
      policy.update();
    },
  };
}

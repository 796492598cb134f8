/* global document */
// What a person would show for a task page: the actions that do the task, in screenshot pixels, read from the
// page's own DOM (the control the sentence names, the field, the Submit button). Used by the demonstration tests
// and the demonstration measurement; never by the code under test.

const centreOf = (r, scale) => ({
  x: Math.round((r.x + r.width / 2) * scale),
  y: Math.round((r.y + r.height / 2) * scale),
});

/** The demonstration of an open task (`openTask` of harness.js): `{actions}` or undefined when not demonstrable. */
export async function demonstrationFor(task) {
  const boxes = await task.page.evaluate(
    ({ family, target }) => {
      const box = (el) => {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      };
      const byText = (sel, text) =>
        [...document.querySelectorAll(sel)].find((e) => e.textContent.trim() === text);
      const submit = () => box(byText('button', 'Submit'));
      switch (family) {
        case 'click-button':
          return [{ click: box(byText('button', target)) }];
        case 'click-link':
          return [{ click: box(byText('a', target)) }];
        case 'click-tab':
          return [{ click: box(byText('[role=tab]', target)) }];
        case 'enter-text':
          return [{ click: box(document.getElementById('tt')) }, { type: target }, { click: submit() }];
        case 'click-checkboxes':
          return [
            ...target
              .split(',')
              .map((n) => ({ click: box(document.querySelector(`input[data-name="${n}"]`)) })),
            { click: submit() },
          ];
        case 'close-dialog':
          return [{ click: box(document.querySelector('[aria-label=Close]')) }];
        case 'choose-list':
          return [{ click: box(byText('[role=option]', target)) }, { click: submit() }];
        case 'count-shapes':
          return [{ click: box(byText('button', target)) }];
        default:
          return null;
      }
    },
    { family: task.family, target: task.target },
  );
  if (!boxes) return undefined;
  return {
    actions: boxes.map((b) =>
      b.type !== undefined
        ? { type: 'type', text: b.type }
        : { type: 'click', ...centreOf(b.click, task.scale) },
    ),
  };
}

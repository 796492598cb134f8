import { describe, expect, it } from 'vitest';
import { RecordingActuator } from '../vision/index.js';
import { createVisionPort } from '../vision-port.js';
import { createHostSdk } from './index.js';

/**
 * The pointer actions of the host SDK (issue 17): `actions.click` with a button and `actions.hover`, both under
 * the `actions.click` permission, both validated like a click before anything reaches the actuator.
 */
describe('sdk.actions pointer actions', () => {
  const sdk = (permissions: Array<'actions.click' | 'actions.type'>) => {
    const actuator = new RecordingActuator();
    return { actuator, host: createHostSdk({ vision: createVisionPort(), permissions, actuator }) };
  };
  const item = { kind: 'shape', bbox: { x: 10, y: 20, width: 30, height: 40 } };

  it('right-clicks and hovers the centre of an item, a left click stays as it was', async () => {
    const { host, actuator } = sdk(['actions.click']);
    expect(await host.call('actions.click', [item, { button: 'right' }])).toEqual({
      type: 'click',
      x: 25,
      y: 40,
      button: 'right',
    });
    expect(await host.call('actions.hover', [item])).toEqual({ type: 'hover', x: 25, y: 40 });
    expect(await host.call('actions.hover', [{ x: 3.4, y: 7.6 }])).toEqual({ type: 'hover', x: 3, y: 8 });
    expect(await host.call('actions.click', [item, { button: 'left' }])).toEqual({
      type: 'click',
      x: 25,
      y: 40,
    });
    expect(await host.call('actions.click', [item])).toEqual({ type: 'click', x: 25, y: 40 });
    expect(actuator.performed.map((a) => `${a.type}:${a.button ?? ''}`)).toEqual([
      'click:right',
      'hover:',
      'hover:',
      'click:',
      'click:',
    ]);
    expect(host.actions).toHaveLength(5);
  });

  it('drags from one item or point to another, centre to centre', async () => {
    const { host, actuator } = sdk(['actions.click']);
    const other = { bbox: { x: 100, y: 100, width: 20, height: 10 } };
    expect(await host.call('actions.drag', [item, other])).toEqual({
      type: 'drag',
      x: 25,
      y: 40,
      to: { x: 110, y: 105 },
    });
    expect(
      await host.call('actions.drag', [
        { x: 1, y: 2 },
        { x: 3.6, y: 2 },
      ]),
    ).toEqual({
      type: 'drag',
      x: 1,
      y: 2,
      to: { x: 4, y: 2 },
    });
    expect(actuator.performed).toHaveLength(2);
    for (const args of [
      [item],
      [item, 'there'],
      [item, item],
      [
        { x: 1, y: 1 },
        { x: 1.2, y: 0.9 },
      ],
    ])
      await expect(host.call('actions.drag', args), JSON.stringify(args)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    expect(actuator.performed).toHaveLength(2);
    const { host: denied } = sdk(['actions.type']);
    await expect(denied.call('actions.drag', [item, other])).rejects.toMatchObject({
      code: 'E_PERMISSION_DENIED',
    });
  });

  it('hovering needs actions.click, like any pointer action', async () => {
    const { host, actuator } = sdk(['actions.type']);
    await expect(host.call('actions.hover', [item])).rejects.toMatchObject({ code: 'E_PERMISSION_DENIED' });
    await expect(host.call('actions.click', [item, { button: 'right' }])).rejects.toMatchObject({
      code: 'E_PERMISSION_DENIED',
    });
    expect(actuator.performed).toEqual([]);
  });

  it('refuses malformed targets and buttons with E_INPUT_INVALID, performing nothing', async () => {
    const { host, actuator } = sdk(['actions.click']);
    for (const args of [
      [item, { button: 'middle' }],
      [item, { button: 3 }],
      [item, 'right'],
      [item, ['right']],
    ])
      await expect(host.call('actions.click', args), JSON.stringify(args)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    for (const args of [[], ['here'], [{ x: 'a', y: 1 }], [{ bbox: { x: 1 } }]])
      await expect(host.call('actions.hover', args), JSON.stringify(args)).rejects.toMatchObject({
        code: 'E_INPUT_INVALID',
      });
    expect(actuator.performed).toEqual([]);
  });
});

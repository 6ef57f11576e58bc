import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { BarChart } from './chart';
import { ErrorBox } from './status';
import { ConsoleError } from '../api/errors';

// React's act() needs to know it runs in a test
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// jsdom has no canvas: the chart draws nothing and the table carries the figures
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;

let container: HTMLDivElement;
let root: Root;
beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

it('puts every figure of a chart in a table with headers', () => {
  act(() =>
    root.render(
      <BarChart
        title="Applications per channel"
        category="Channel"
        labels={['Job board', 'Networking']}
        series={[
          { label: 'Applications', values: [500, 12] },
          { label: 'Interviews', values: [8, 4] },
        ]}
      />,
    ),
  );
  const rows = [...container.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));
  expect(rows).toEqual([
    ['Job board', '500', '8'],
    ['Networking', '12', '4'],
  ]);
  expect([...container.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual(['Channel', 'Applications', 'Interviews']);
  expect(container.querySelector('canvas')!.getAttribute('aria-label')).toMatch(/table below/);
});

it('shows an error as an alert in words, with a reload button when asked', () => {
  let reloaded = 0;
  act(() => root.render(<ErrorBox error={new ConsoleError('conflict', 'Someone else changed this.')} onReload={() => reloaded++} />));
  expect(container.querySelector('[role=alert]')!.textContent).toContain('Someone else changed this.');
  act(() => container.querySelector('button')!.click());
  expect(reloaded).toBe(1);
});

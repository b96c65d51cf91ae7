import { cellWidth } from '../../../local/demo';

describe('npm run demo table width', () => {
  it.each([[80], [100], [120], [160]])('fits a %p-column terminal', (columns) => {
    // Act
    const width = cellWidth(columns);
    // Assess: consent column, three streams of two values, separators
    expect(10 + 3 * (2 * width + 3) + 3 * 3).toBeLessThanOrEqual(columns);
  });

  it('keeps values readable (at least 8 characters) in a very narrow terminal', () => {
    // Act + Assess
    expect(cellWidth(40)).toBe(8);
  });
});

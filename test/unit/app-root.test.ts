import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFile, appRoot } from '../../shared/app-root';
import { projectRoot } from '../support/processes';

describe('appRoot', () => {
  it('is the folder that holds host.json, where assets keep their project paths', () => {
    expect(appRoot()).toBe(projectRoot);
    expect(existsSync(appFile('host.json'))).toBe(true);
    expect(appFile('shared/centers/assets/page.css')).toBe(
      join(projectRoot, 'shared/centers/assets/page.css'),
    );
  });
});

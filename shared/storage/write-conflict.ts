/** Another writer changed what was read since: read again and apply again. */
export class WriteConflict extends Error {
  constructor() {
    super('write conflict');
    this.name = 'WriteConflict';
  }
}

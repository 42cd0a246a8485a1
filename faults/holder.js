// Another program on oct's database, as a dashboard or a backup tool would be: `node holder.js
// DB read|write MS` holds a read transaction (a snapshot) or the write lock for MS milliseconds.
// Prints "held" once it holds it and "released" when it lets go.
import Database from 'better-sqlite3';

const [dbPath, mode, ms] = process.argv.slice(2);
const db = new Database(dbPath, { readonly: mode === 'read', timeout: 10_000 });
db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
db.prepare('SELECT count(*) FROM traces').get();
process.stdout.write('held\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\n');
}, Number(ms));

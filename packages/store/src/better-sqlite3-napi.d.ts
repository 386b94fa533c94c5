// better-sqlite3 13 under an npm alias: the same API (and types) as better-sqlite3 12.
declare module 'better-sqlite3-napi' {
  import Database from 'better-sqlite3';
  export = Database;
}

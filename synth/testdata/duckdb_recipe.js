// Reads a recipe shard set with DuckDB (npm package @duckdb/node-api), independently of
// occbench's own Parquet code, and prints per-split counts and the columns as JSON.
// Usage: node duckdb_recipe.js MODULE_PATH SHARD_SET_DIR
const duckdb = require(process.argv[2]);
const dir = process.argv[3];
(async () => {
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
  const files = `read_parquet('${dir}/data/*.recipe.parquet')`;
  const out = {};
  out.splits = await q(`select split, count(*)::int as rows, count(distinct pair_id)::int as images
    from ${files} group by split order by split`);
  out.columns = await q(`select column_name, column_type from (describe select * from ${files})`);
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(1); });

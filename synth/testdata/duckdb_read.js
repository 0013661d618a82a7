// Reads a shard set with DuckDB (npm package @duckdb/node-api), independently of
// occbench's own Parquet code, and prints what it found as JSON on stdout.
// Usage: node duckdb_read.js MODULE_PATH SHARD_SET_DIR
const duckdb = require(process.argv[2]);
const dir = process.argv[3];
(async () => {
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
  const files = `read_parquet('${dir}/data/*.parquet')`;
  const out = {};
  out.splits = await q(`select split, count(*)::int as rows, sum(case when pattern_id >= 0 then 1 else 0 end)::int as occluded,
      count(distinct pair_id)::int as images, min(octet_length(image.bytes))::int as min_bytes,
      sum(case when image.bytes is null or label is null then 1 else 0 end)::int as nulls
    from ${files} group by split order by split`);
  out.columns = await q(`select column_name, column_type from (describe select * from ${files})`);
  out.huggingface = (await q(`select value::varchar as v from parquet_kv_metadata('${dir}/data/*.parquet') where key::varchar = 'huggingface' limit 1`))[0].v;
  out.png_magic = (await q(`select count(*)::int as n from ${files} where starts_with(hex(image.bytes), '89504E47') or starts_with(hex(image.bytes), 'FFD8')`))[0].n;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(1); });

-- 002_ingest_functions (owner: cloud-data): helpers for the ingest write path.

-- Element-wise sum of two per-channel energy arrays, padding the shorter with zeros; null counts as empty.
-- The in-order ingest path adds a batch's hourly energy to the stored row with it in one upsert
-- (ON CONFLICT … SET energy_wh = cds_add_energy(reading_hourly.energy_wh, excluded.energy_wh)).
create function cds_add_energy(a double precision[], b double precision[]) returns double precision[]
language sql immutable parallel safe as $$
  select coalesce(array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i), '{}')
    from generate_series(1, greatest(coalesce(array_length(a, 1), 0), coalesce(array_length(b, 1), 0))) as i
$$;

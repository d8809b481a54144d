-- DfE rule: a temporary placement T4 lasts no more than 7 days. An open T4 episode is measured
-- to the extract date.
select
    _line,
    'T4 temporary placement from ' || strftime("DECOM", '%d/%m/%Y') || ' lasted '
        || date_diff('day', "DECOM", coalesce("DEC", getvariable('extract_date')))::varchar
        || ' days' || case when "DEC" is null then ' so far (still open)' else '' end || '; the limit is 7' as reason,
    "PLACE" as value
from valid_episodes
where "PLACE" = 'T4'
  and date_diff('day', "DECOM", coalesce("DEC", getvariable('extract_date'))) > 7
order by _line

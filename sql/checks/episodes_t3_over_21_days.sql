-- DfE rule: a temporary placement T3 (while the carer is on holiday) lasts no more than 21 days.
select
    _line,
    'T3 temporary placement from ' || strftime("DECOM", '%d/%m/%Y') || ' lasted '
        || date_diff('day', "DECOM", coalesce("DEC", getvariable('extract_date')))::varchar
        || ' days' || case when "DEC" is null then ' so far (still open)' else '' end || '; the limit is 21' as reason,
    "PLACE" as value
from valid_episodes
where "PLACE" = 'T3'
  and date_diff('day', "DECOM", coalesce("DEC", getvariable('extract_date'))) > 21
order by _line

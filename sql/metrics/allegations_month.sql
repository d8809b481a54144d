-- allegations_month: allegations against foster carers received in the reporting month.
with allegations as (
    select * from stg_allegations
),

final as (
    select
        count(*) as numerator,
        null::integer as denominator
    from allegations
    where date_received between date_trunc('month', getvariable('as_at')) and getvariable('as_at')
)

select * from final

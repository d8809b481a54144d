-- allegations_12m: allegations against foster carers received in the 12 months to the date.
with allegations as (
    select * from stg_allegations
),

final as (
    select
        count(*) as numerator,
        null::integer as denominator
    from allegations
    where date_received between getvariable('as_at') - interval 1 year + interval 1 day
                            and getvariable('as_at')
)

select * from final

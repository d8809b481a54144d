"""The seeded generator of the synthetic sample council, one module per step.

tools/sample_data.py runs the steps in order and writes the files; each module here makes one
part of the data:

- days: dates as whole days, the sample's key dates, dd/mm/YYYY formatting;
- draws: seeded random draws (a block of numpy uniforms read in order, weighted tables);
- contract: columns, codes and allowed values, read from the tool's national data contract;
- geography: postcode districts, Ofsted URNs and support teams of a Kent-sized council;
- children: 1. children and their periods of care;
- placements, episodes: 2. the placements of each period and its SSDA903 episodes;
- households: 3. fostering households and who is placed with them;
- records: 4. training, allegations and recruitment enquiries;
- tables: 5. the tables as the case system would export them;
- planted_errors: 6. about 1% of rows corrupted or duplicated, and the list of them;
- stability: 7. the DfE placement stability measures the generator is calibrated against.
"""

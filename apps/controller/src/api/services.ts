/** `services.*`: the Services, their virtual addresses and ports. */
import { NamespaceFilterInput, Service } from '@weft/shared';
import { z } from 'zod';
import { router, viewerProcedure } from './trpc.ts';

export const servicesRouter = router({
  list: viewerProcedure
    .input(NamespaceFilterInput)
    .output(z.array(Service))
    .query(({ ctx, input }) => ctx.platform.listServices(input.namespace)),
});

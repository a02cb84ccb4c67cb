/** `services.*`: the Services, their virtual addresses and ports. */
import { NamespaceFilterInput, Service } from '@weft/shared';
import { z } from 'zod';
import { publicProcedure, router } from './trpc.ts';

export const servicesRouter = router({
  list: publicProcedure
    .input(NamespaceFilterInput)
    .output(z.array(Service))
    .query(({ ctx, input }) => ctx.platform.listServices(input.namespace)),
});
